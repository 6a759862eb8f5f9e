#!/usr/bin/env python3
"""check-drops.py -- find places where a service can lose a PDU silently.

A PDU handler is a function returning void that takes a PDU: an envelope
(Ls__Envelope *), bytes and their length (const uint8_t *p, size_t n), or a
parsed header (*_repr_t *). Such a function cannot tell its caller that it
gave up, so every early `return;` under an `if` in it must, in the same
block, do one of:
  - count the drop: ls_drop(), a *_drop*() helper, LS_COUNT(), ls_counter(),
    or an increment (`++`, `+=`) of a counter field;
  - hand the PDU on: call a function with the PDU (an argument named d,
    dgram, pdu, seg, frame, buf, env, payload, data, r or repr);
  - say why it is not a drop, in a comment containing "not a drop"
    (e.g. a log-level guard, or a NULL context).
Everything else is printed as FILE:LINE [function] and the exit status is 1.

usage: scripts/check-drops.py [FILE...]   (default: the service sources)
"""
import glob
import re
import sys

DEFAULT = ["link-svc/*.c", "net-svc/*.c", "transport-svc/*.c", "dns-svc/*.c", "common/runtime/*.c"]
COUNTED = re.compile(r"\b(ls_drop|\w*_drop\w*|LS_COUNT|ls_counter|\w*COUNT\w*)\s*\(|\+\+|\+=|NOT_A_DROP")
PDU_PARAM = re.compile(r"Ls__Envelope\s*\*|const\s+uint8_t\s*\*\s*\w+\s*,\s*size_t|\w+_repr_t\s*\*")
HANDED_ON = re.compile(r"\w+\s*\([^;]*\b(d|dgram|pdu|seg|frame|buf|env|payload|data|r|repr)\b")
FUNC = re.compile(r"^(?:static\s+)?(?:inline\s+)?void\s+(\w+)\s*\(([^;{]*?)\)\s*\n\{", re.M)


def strip(s):
    """Comments and strings blanked (newlines kept); "not a drop" comments
    leave the marker NOT_A_DROP behind."""
    out, i, n = [], 0, len(s)
    while i < n:
        if s.startswith("/*", i) or s.startswith("//", i):
            end = s.find("*/", i + 2) + 2 if s[i + 1] == "*" else s.find("\n", i)
            end = n if end < 2 else end
            c = s[i:end]
            out.append(" NOT_A_DROP " if "not a drop" in c else " ")
            out.append("\n" * c.count("\n"))
            i = end
        elif s[i] in "\"'":
            q, j = s[i], i + 1
            while j < n and s[j] != q:
                j += 2 if s[j] == "\\" else 1
            out.append(q + q)
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def close(s, i, o, c):
    depth = 0
    for j in range(i, len(s)):
        if s[j] == o:
            depth += 1
        elif s[j] == c:
            depth -= 1
            if depth == 0:
                return j
    return len(s)


def check(path):
    s = strip(open(path, errors="replace").read())
    found = []
    for fm in FUNC.finditer(s):
        if not PDU_PARAM.search(fm.group(2)):
            continue
        b0 = fm.end() - 1
        body = s[b0:close(s, b0, "{", "}")]
        for m in re.finditer(r"\bif\s*\(", body):
            p = m.end() - 1
            q = close(body, p, "(", ")")
            k = q + 1
            while k < len(body) and body[k] in " \t\n":
                k += 1
            if k < len(body) and body[k] == "{":
                block = body[k + 1:close(body, k, "{", "}")]
            else:
                semi = body.find(";", k)
                eol = body.find("\n", semi)
                block = body[k:eol if eol >= 0 else len(body)]  # the statement and its line's comment
            if not re.search(r"\breturn\s*;", block):
                continue
            before = block.split("return")[0]
            if COUNTED.search(block) or COUNTED.search(body[p:q]) or HANDED_ON.search(before):
                continue
            line = s.count("\n", 0, b0 + m.start()) + 1
            text = " ".join(body[m.start():m.start() + 100].split())
            found.append(f"{path}:{line}: [{fm.group(1)}] {text}")
    return found


def main(argv):
    files = argv or sorted(f for g in DEFAULT for f in glob.glob(g))
    found = [x for f in files for x in check(f)]
    for x in found:
        print(x)
    print(f"check-drops: {len(files)} files, {len(found)} uncounted drop site(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
