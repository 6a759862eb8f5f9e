#!/usr/bin/env python3
"""check-cycles.py -- print every dependency cycle between source files.

The graph, counted strictly:
  node   a source file; a .c and the .h of the same path stem are one node
         (tests/, build/ and generated files are left out).
  edge   A -> B when A uses a name (function, type, struct/union/enum tag,
         macro, global variable, enum constant) that only B defines.
         Definitions come from universal-ctags; file-scope names (static,
         or a macro/type inside a .c) are not visible to other files and
         are not counted. A name defined by two nodes is ambiguous and
         ties neither. Member accesses (x.name, x->name) are not uses.

Exit status 1 when a forbidden cycle exists:
  - a cycle whose files are not all in one folder;
  - a cycle through a congestion-control module (transport-svc/tcp_cc*),
    a plug-in of TCP that must not call back into its host;
  - a cycle between folders (the folder graph must be acyclic).
Cycles inside one protocol module's folder (FreeBSD's tcp_input.c <->
tcp_output.c style) are listed as allowed.

usage: scripts/check-cycles.py [--verbose] [ROOT]
"""
import json
import os
import re
import subprocess
import sys

SRC_DIRS = ["common", "link-svc", "net-svc", "transport-svc", "dns-svc", "orchestrator", "apps", "bench"]
DEF_KINDS = {"function", "variable", "macro", "typedef", "struct", "union", "enum", "enumerator"}
PLUGIN = re.compile(r"^transport-svc/tcp_cc")


def node_of(path):
    return re.sub(r"\.[ch]$", "", path)


def sources(root):
    out = []
    for d in SRC_DIRS:
        for base, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(base, f), root))
    return sorted(out)


def definitions(root, files):
    cmd = ["ctags", "--output-format=json", "--fields=+nKZf", "--c-kinds=+x", "-f", "-"] + files
    res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=True)
    owners = {}
    for line in res.stdout.splitlines():
        t = json.loads(line)
        if t.get("_type") != "tag" or t.get("kind") not in DEF_KINDS:
            continue
        if t.get("file"):  # static, or local to a .c
            continue
        if t["kind"] == "variable" and "extern" in t.get("pattern", ""):
            continue
        owners.setdefault(t["name"], set()).add(node_of(t["path"]))
    return {n: next(iter(o)) for n, o in owners.items() if len(o) == 1}


def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r'"(\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(\\.|[^'\\\n])*'", "''", text)
    text = re.sub(r"^\s*#\s*include[^\n]*", " ", text, flags=re.M)
    return text


def uses(root, path):
    with open(os.path.join(root, path), errors="replace") as f:
        text = strip(f.read())
    return {m.group(2) for m in re.finditer(r"(\.|->)?\s*\b([A-Za-z_]\w*)\b", text) if not m.group(1)}


def sccs(graph):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main(argv):
    verbose = "--verbose" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else "."
    files = sources(root)
    owner = definitions(root, files)
    graph, why = {}, {}
    for f in files:
        a = node_of(f)
        graph.setdefault(a, set())
        for name in uses(root, f):
            b = owner.get(name)
            if b and b != a:
                graph[a].add(b)
                why.setdefault((a, b), set()).add(name)
    bad = 0
    for comp in sccs(graph):
        folders = {os.path.dirname(c) for c in comp}
        plugin = any(PLUGIN.match(c) for c in comp)
        forbidden = len(folders) > 1 or plugin
        bad += forbidden
        label = "CYCLE" if forbidden else "cycle inside one module (allowed)"
        if forbidden or verbose:
            print(f"{label}: {' <-> '.join(comp)}")
            for a in comp:
                for b in comp:
                    if (a, b) in why:
                        print(f"    {a} -> {b}: {', '.join(sorted(why[(a, b)])[:8])}")
    fgraph, fwhy = {}, {}
    for (a, b), names in why.items():
        fa, fb = os.path.dirname(a), os.path.dirname(b)
        if fa != fb:
            fgraph.setdefault(fa, set()).add(fb)
            fgraph.setdefault(fb, set())
            fwhy.setdefault((fa, fb), []).append(f"{a} -> {b}")
    for comp in sccs(fgraph):
        bad += 1
        print(f"FOLDER CYCLE: {' <-> '.join(comp)}")
        for a in comp:
            for b in comp:
                if (a, b) in fwhy:
                    print(f"    {a} -> {b}: {'; '.join(sorted(fwhy[(a, b)])[:4])}")
    nodes = len(graph)
    edges = sum(len(v) for v in graph.values())
    print(f"check-cycles: {nodes} files, {edges} dependencies, {bad} forbidden cycle(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
