#!/usr/bin/env python3
"""report.py -- parsers and the report of `make bench` (standard library only).

Call chain: bench/run.sh calls the parsers once per measurement, each writing
one JSON fragment into WORK/rN/<key>.json; at the end `report.py aggregate`
turns the fragments of all runs into the table (stdout), the JSON
(bench/results/latest.json) and the loss plot (gnuplot, SVG).

  report.py ping FILE                       -> {"n","p50","p99","min","max"} (us)
  report.py xfer CLIENT_OUT SERVER_OUT BYTES WALL_S
  report.py conns CONNHOLD_JSON_LINE A_BEFORE A_AFTER B_BEFORE B_AFTER
  report.py callgrind [--map CEILING_JSON] FILE...  -> {svc: {"ir","pdus","ir_per_pdu"}}
  report.py aggregate WORK OUT_JSON [--plot SVG] [--meta JSON]

Each row carries min, median and max over the runs; a ratio row is computed
inside each run (ours_i / ceiling_i) before its statistics are taken. A row
that could not be measured carries null and the reason.
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys


def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    if not v:
        return None
    k = max(1, min(len(v), math.ceil(p * len(v))))
    return v[k - 1]


def median(values):
    v = sorted(values)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# ---- parsers ----

def cmd_ping(path):
    text = open(path, errors="replace").read()
    rtts = []
    for m in re.finditer(r"time[=<]\s*([0-9.]+)\s*(ms|us|µs)", text):
        v = float(m.group(1))
        rtts.append(v * 1000.0 if m.group(2) == "ms" else v)
    if not rtts:
        last = text.strip().splitlines()[-1:] or ["no output"]
        return {"value": None, "reason": "ping printed no 'time=' lines: " + last[0][:120]}
    return {"n": len(rtts), "p50": pct(rtts, 0.5), "p99": pct(rtts, 0.99), "min": min(rtts), "max": max(rtts)}


UNIT = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}


def parse_rate(text):
    """Goodput in bit/s from an app's output: '123.4 Mbit/s', '1.2 Gbits/sec', '12 MB/s'."""
    m = None
    for m in re.finditer(r"([0-9]+(?:\.[0-9]+)?)\s*([kKMG]?)(?:bit|bits|b)/s(?:ec)?\b", text):
        pass
    if m:
        return float(m.group(1)) * UNIT[m.group(2)]
    for m in re.finditer(r"([0-9]+(?:\.[0-9]+)?)\s*([kKMG]?)i?B/s\b", text):
        pass
    if m:
        return float(m.group(1)) * UNIT[m.group(2)] * 8
    return None


def cmd_xfer(cli, srv, nbytes, wall):
    ctext = open(cli, errors="replace").read() if os.path.exists(cli) else ""
    stext = open(srv, errors="replace").read() if os.path.exists(srv) else ""
    shas_c = re.findall(r"\b[0-9a-f]{64}\b", ctext)
    shas_s = re.findall(r"\b[0-9a-f]{64}\b", stext)
    sha_ok = None
    if shas_c and shas_s:
        sha_ok = shas_c[-1] == shas_s[-1]
    bps = parse_rate(stext)
    source = "the receiver's report (xfer -l)"
    if bps is None:
        bps = parse_rate(ctext)
        source = "the sender's report"
    if bps is None and float(wall) > 0:
        bps = int(nbytes) * 8 / float(wall)
        source = "bytes / wall time of the client (includes connection setup)"
    if sha_ok is False:
        return {"value": None, "reason": "SHA-256 differs between sender and receiver"}
    return {"gbit_s": bps / 1e9, "bytes": int(nbytes), "wall_s": float(wall), "source": source, "sha_ok": sha_ok}


def cmd_conns(line, a0, a1, b0, b1):
    """connhold's JSON line + transport-svc RSS (KiB) before/after on both hosts."""
    d = json.loads(line)
    num = lambda x: int(x) if x else None
    a0, a1, b0, b1 = num(a0), num(a1), num(b0), num(b1)
    d["rss_kib"] = {"hosta_before": a0, "hosta_after": a1, "hostb_before": b0, "hostb_after": b1}
    per = [(x1 - x0) / d["held"] for x0, x1 in ((a0, a1), (b0, b1))
           if d.get("held") and x0 is not None and x1 is not None]
    if per:
        d["kib_per_conn"] = max(per)
        d["kib_per_conn_note"] = "max over client and server transport-svc of (RSS after - RSS before) / held"
    else:
        d["value"] = None
        d["reason"] = "could not read transport-svc RSS"
    return d


def callgrind_file(path):
    """(Ir collected, calls to ls_env_unpack, calls to ls_pipe_send) of one profile."""
    names = {}
    total = None
    calls = 0
    sends = 0
    callee = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith(("fn=", "cfn=")):
                m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line.strip())
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    if line.startswith("cfn="):
                        callee = names.get(m.group(1))
            elif line.startswith("calls="):
                if callee == "ls_env_unpack":
                    calls += int(line.split("=", 1)[1].split()[0])
                elif callee == "ls_pipe_send":
                    sends += int(line.split("=", 1)[1].split()[0])
            elif line.startswith(("summary:", "totals:")):
                total = int(line.split(":", 1)[1].split()[0])
    return total, calls, sends


def cmd_callgrind(args):
    pidmap = {}
    if args and args[0] == "--map":
        d = json.load(open(args[1]))
        for s in d.get("stations", []):
            pidmap[str(s["pid"])] = s["name"]
        args = args[2:]
    out = {}
    for path in args:
        base = os.path.basename(path)
        pid = base.rsplit(".", 1)[-1]
        if pidmap:
            name = pidmap.get(pid)
            if not name:
                continue  # the source (first station) or an unknown process
        else:
            name = base.split(".", 1)[1].rsplit(".", 1)[0] if base.count(".") >= 2 else base
        ir, rx, tx = callgrind_file(path)
        if not ir or not (rx or tx):
            continue
        e = out.setdefault(name, {"ir": 0, "rx": 0, "tx": 0})
        e["ir"] += ir
        e["rx"] += rx
        e["tx"] += tx
    for e in out.values():
        # a forwarded PDU is one rx and one tx; an endpoint makes (tx) or
        # consumes (rx) PDUs: count the larger direction
        e["pdus"] = max(e["rx"], e["tx"])
        e["ir_per_pdu"] = e["ir"] / e["pdus"]
    return out


# ---- aggregate ----

class Rows:
    def __init__(self, runs):
        self.runs = runs  # list of dicts key -> fragment
        self.rows = []

    def frag(self, i, key):
        return self.runs[i].get(key)

    def add(self, rid, label, unit, fn, target=None, better=None, note=None, fmt="{:.3g}"):
        """fn(run_index) -> value or (None, reason)."""
        values, reasons = [], []
        for i in range(len(self.runs)):
            try:
                v = fn(i)
            except (KeyError, TypeError, ZeroDivisionError, IndexError) as e:
                v = (None, "missing: %s" % e)
            if isinstance(v, tuple):
                reasons.append(v[1])
            elif v is None:
                reasons.append("not measured")
            else:
                values.append(float(v))
        row = {"id": rid, "label": label, "unit": unit, "n": len(values), "values": values,
               "min": min(values) if values else None, "median": median(values),
               "max": max(values) if values else None, "target": target, "better": better,
               "note": note, "fmt": fmt}
        if not values:
            row["reason"] = reasons[0] if reasons else "not measured"
        elif reasons:
            row["note"] = ((note + "; ") if note else "") + "%d run(s) failed: %s" % (len(reasons), reasons[0])
        if values and target is not None and better:
            m = row["median"]
            row["meets_target"] = (m >= target) if better == "higher" else (m <= target)
        self.rows.append(row)
        return row


def val(frag, *path):
    """Value at path in a fragment, or (None, reason)."""
    if frag is None:
        return (None, "not run")
    if isinstance(frag, dict) and frag.get("value", 0) is None and "reason" in frag:
        return (None, frag["reason"])
    if isinstance(frag, dict) and "skipped" in frag:
        return (None, "skipped: " + frag["skipped"])
    cur = frag
    for p in path:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        else:
            return (None, "no field " + "/".join(str(x) for x in path))
    if cur is None:
        return (None, "null " + "/".join(str(x) for x in path))
    return cur


def ratio(a, b):
    if isinstance(a, tuple):
        return a
    if isinstance(b, tuple):
        return (None, "ceiling: " + b[1])
    if not b:
        return (None, "division by zero")
    return a / b


def build_rows(runs, losses):
    R = Rows(runs)
    for path in ("lan", "router"):
        c = "ceiling." + path
        R.add(c + ".frames_s", "pipe ceiling %s: frames/s (1514 B)" % path, "fr/s",
              lambda i, c=c: val(R.frag(i, c), "bulk", "frames_per_s"), fmt="{:.0f}")
        R.add(c + ".gbit_s", "pipe ceiling %s: Gbit/s" % path, "Gbit/s",
              lambda i, c=c: val(R.frag(i, c), "bulk", "gbit_s"))
        R.add(c + ".rtt_p50", "pipe ceiling %s: RTT p50 (64 B)" % path, "us",
              lambda i, c=c: val(R.frag(i, c), "rtt_us", "p50"), fmt="{:.0f}")
        R.add(c + ".rtt_p99", "pipe ceiling %s: RTT p99 (64 B)" % path, "us",
              lambda i, c=c: val(R.frag(i, c), "rtt_us", "p99"), fmt="{:.0f}")
    for path in ("lan", "router"):
        c = "ceiling." + path
        R.add("tcp.%s.gbit_s" % path, "TCP goodput %s" % path, "Gbit/s",
              lambda i, p=path: val(R.frag(i, "ours.%s.xfer.0" % p), "gbit_s"))
        R.add("tcp.%s.ratio" % path, "TCP goodput %s / ceiling Gbit/s" % path, "x",
              lambda i, p=path, c=c: ratio(val(R.frag(i, "ours.%s.xfer.0" % p), "gbit_s"),
                                           val(R.frag(i, c), "bulk", "gbit_s")),
              target=0.5, better="higher", fmt="{:.2f}")
    for path in ("lan", "router"):
        c = "ceiling." + path
        R.add("ping.%s.p50" % path, "ping RTT %s p50" % path, "us",
              lambda i, p=path: val(R.frag(i, "ours.%s.ping" % p), "p50"), fmt="{:.0f}")
        R.add("ping.%s.p99" % path, "ping RTT %s p99" % path, "us",
              lambda i, p=path: val(R.frag(i, "ours.%s.ping" % p), "p99"), fmt="{:.0f}")
        R.add("ping.%s.ratio" % path, "ping p50 %s / ceiling RTT p50" % path, "x",
              lambda i, p=path, c=c: ratio(val(R.frag(i, "ours.%s.ping" % p), "p50"),
                                           val(R.frag(i, c), "rtt_us", "p50")),
              target=1.5, better="lower", fmt="{:.2f}")
    R.add("dns.cached.per_s", "DNS lookups/s, resolver cache (hosta -> ns, 16 in flight)", "q/s",
          lambda i: val(R.frag(i, "ours.dns.cached"), "per_s"), fmt="{:.0f}")
    R.add("dns.uncached.per_s", "DNS lookups/s, uncached (new name: ns asks example.test.)", "q/s",
          lambda i: val(R.frag(i, "ours.dns.uncached"), "per_s"), fmt="{:.0f}")
    R.add("dns.cached.p50", "cached DNS lookup from hosta, p50 (one at a time)", "us",
          lambda i: val(R.frag(i, "ours.dns.lat"), "p50_us"), fmt="{:.0f}")
    R.add("dns.cached.ping_ratio", "  cached lookup p50 / ping router p50", "x",
          lambda i: ratio(val(R.frag(i, "ours.dns.lat"), "p50_us"), val(R.frag(i, "ours.router.ping"), "p50")),
          fmt="{:.2f}")
    R.add("linux.cubic.gbit_s", "Linux veth TCP goodput, CUBIC", "Gbit/s",
          lambda i: val(R.frag(i, "linux"), "goodput_gbit_s", "cubic", "0"))
    dcc = None
    for r in runs:
        if isinstance(r.get("linux"), dict) and r["linux"].get("default_cc"):
            dcc = r["linux"]["default_cc"]
    if dcc and dcc != "cubic":
        R.add("linux.%s.gbit_s" % dcc, "Linux veth TCP goodput, %s (default)" % dcc.upper(), "Gbit/s",
              lambda i: val(R.frag(i, "linux"), "goodput_gbit_s", dcc, "0"))
    R.add("linux.ping.p50", "Linux veth ping RTT p50", "us", lambda i: val(R.frag(i, "linux"), "ping_us", "p50"),
          fmt="{:.0f}")
    R.add("linux.ping.p99", "Linux veth ping RTT p99", "us", lambda i: val(R.frag(i, "linux"), "ping_us", "p99"),
          fmt="{:.0f}")

    def frac(i, loss):
        a = val(R.frag(i, "ours.lan.xfer.%s" % loss), "gbit_s")
        b = val(R.frag(i, "ours.lan.xfer.0s"), "gbit_s")  # same size as the lossy transfers
        if isinstance(b, tuple):
            return (None, "0% goodput: " + b[1])
        return ratio(a, b)

    def lfrac(i, cc, loss):
        errs = (R.frag(i, "linux") or {}).get("errors") or {}
        if "%s-%s" % (cc, loss) in errs:
            return (None, "iperf3: " + errs["%s-%s" % (cc, loss)])
        return ratio(val(R.frag(i, "linux"), "goodput_gbit_s", cc, str(loss)),
                     val(R.frag(i, "linux"), "goodput_gbit_s", cc, "0"))

    for loss in losses:
        R.add("loss.%s.ours" % loss, "goodput kept at %s%% loss: ours (lan)" % loss, "x",
              lambda i, l=loss: frac(i, l), fmt="{:.3f}",
              note="target: above Linux CUBIC" if loss in ("1", "5") else None)
        R.add("loss.%s.linux_cubic" % loss, "goodput kept at %s%% loss: Linux CUBIC" % loss, "x",
              lambda i, l=loss: lfrac(i, "cubic", l), fmt="{:.3f}")
        if dcc and dcc != "cubic":
            R.add("loss.%s.linux_%s" % (loss, dcc), "goodput kept at %s%% loss: Linux %s" % (loss, dcc.upper()), "x",
                  lambda i, l=loss: lfrac(i, dcc, l), fmt="{:.3f}")
    R.add("conn.rate", "connection rate hosta->hostb (server closes first)", "conn/s",
          lambda i: val(R.frag(i, "ours.lan.connrate"), "per_s"), target=5000, better="higher", fmt="{:.0f}")
    R.add("conn.10k.held", "idle connections held", "conns",
          lambda i: val(R.frag(i, "ours.lan.conns"), "held"), target=10000, better="higher", fmt="{:.0f}")
    R.add("conn.10k.kib", "transport-svc RSS per connection", "KiB",
          lambda i: val(R.frag(i, "ours.lan.conns"), "kib_per_conn"), target=16, better="lower", fmt="{:.2f}")
    # per-PDU instructions
    R.add("ir.forwarder", "instructions per PDU: pipe forwarder (mean of stations)", "Ir",
          lambda i: fwd_mean(R.frag(i, "cg.forwarder")), fmt="{:.0f}")
    svcs = []
    for r in runs:
        cg = r.get("cg.stack")
        if isinstance(cg, dict) and "services" in cg:
            for s in cg["services"]:
                if s not in svcs:
                    svcs.append(s)
    if not svcs:
        R.add("ir.services", "instructions per PDU: services", "Ir",
              lambda i: val(R.frag(i, "cg.stack"), "services"), fmt="{:.0f}")
    for s in svcs:
        R.add("ir." + s, "instructions per PDU: " + s, "Ir",
              lambda i, s=s: val(R.frag(i, "cg.stack"), "services", s, "ir_per_pdu"), fmt="{:.0f}")
        R.add("ir.%s.ratio" % s, "  %s / forwarder" % s, "x",
              lambda i, s=s: ratio(val(R.frag(i, "cg.stack"), "services", s, "ir_per_pdu"),
                                   fwd_mean(R.frag(i, "cg.forwarder"))),
              target=1.0, better="lower", fmt="{:.2f}")
    return R.rows


def fwd_mean(frag):
    v = val(frag, "stations")
    if isinstance(v, tuple):
        return v
    xs = [s["ir_per_pdu"] for n, s in v.items() if not n.endswith("-transport")]
    if not xs:
        return (None, "no forwarder station measured")
    return sum(xs) / len(xs)


def fmt_num(fmt, v):
    if v is None:
        return "-"
    if abs(v) >= 1e5 and fmt == "{:.0f}":
        return "{:,.0f}".format(v)
    return fmt.format(v)


def print_table(doc):
    rows = doc["rows"]
    print()
    print("layerstack bench  %s  %s" % (doc["date"], doc["machine"].get("summary", "")))
    print("log level of every service: %s; %d run(s); each cell min / median / max over the runs"
          % (doc["log_level"], doc["runs"]))
    print()
    w = max(len(r["label"]) for r in rows) + 2
    print("%-*s %-7s %12s %12s %12s  %s" % (w, "row", "unit", "min", "median", "max", "target / note"))
    print("-" * (w + 60))
    for r in rows:
        if r["n"] == 0:
            print("%-*s %-7s %12s %12s %12s  n/a (%s)" % (w, r["label"], r["unit"], "-", "-", "-", r["reason"]))
            continue
        tgt = ""
        if r.get("target") is not None:
            op = ">=" if r["better"] == "higher" else "<="
            tgt = "%s %s: %s" % (op, fmt_num(r["fmt"], r["target"]),
                                 "met" if r.get("meets_target") else "NOT met")
        note = tgt
        if r.get("note"):
            note = (note + "; " if note else "") + r["note"]
        print("%-*s %-7s %12s %12s %12s  %s" % (w, r["label"], r["unit"], fmt_num(r["fmt"], r["min"]),
                                               fmt_num(r["fmt"], r["median"]), fmt_num(r["fmt"], r["max"]), note))
    print()


def plot(doc, svg, losses):
    rows = {r["id"]: r for r in doc["rows"]}
    series = [("ours (lan)", "ours")]
    for r in doc["rows"]:
        m = re.match(r"loss\.\d+\.(linux_\w+)$", r["id"])
        if m and (m.group(1), m.group(1)) not in [(s[1], s[1]) for s in series]:
            series.append((m.group(1).replace("linux_", "Linux ").replace("cubic", "CUBIC").replace("bbr", "BBR"),
                           m.group(1)))
    dat = svg[:-4] + ".dat"
    blocks = []
    with open(dat, "w") as f:
        f.write("# goodput kept under random loss (fraction of the 0% goodput): loss% median min max\n")
        for title, key in series:
            f.write("# %s\n" % title)
            f.write("0 1 1 1\n")
            for l in losses:
                r = rows.get("loss.%s.%s" % (l, key))
                if r and r["n"]:
                    f.write("%s %g %g %g\n" % (l, r["median"], r["min"], r["max"]))
            f.write("\n\n")
            blocks.append(title)
    if not shutil.which("gnuplot"):
        return "gnuplot not installed"
    plots = ", ".join("'%s' index %d using 1:2:3:4 with yerrorlines title '%s'" % (dat, i, t)
                      for i, t in enumerate(blocks))
    script = """set terminal svg size 720,440 dynamic background rgb 'white'
set output '%s'
set title 'Goodput under random loss on the receiver (fraction of the lossless goodput)\\n%s'
set xlabel 'random loss, %%'
set ylabel 'goodput / goodput at 0%% loss'
set logscale y
set yrange [0.0001:1.5]
set xrange [-0.5:10.5]
set key bottom left
set grid
plot %s
""" % (svg, doc["date"] + " " + doc["machine"].get("summary", ""), plots)
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    return None if p.returncode == 0 else "gnuplot failed: " + p.stderr.strip()[:200]


def cmd_aggregate(work, out_json, svg=None, meta=None):
    runs = []
    for d in sorted((x for x in os.listdir(work) if re.match(r"r\d+$", x)), key=lambda x: int(x[1:])):
        frags = {}
        for fn in os.listdir(os.path.join(work, d)):
            if fn.endswith(".json"):
                try:
                    frags[fn[:-5]] = json.load(open(os.path.join(work, d, fn)))
                except ValueError as e:
                    frags[fn[:-5]] = {"value": None, "reason": "unreadable fragment: %s" % e}
        runs.append(frags)
    m = json.load(open(meta)) if meta else {}
    losses = m.get("losses", ["1", "5", "10"])
    doc = {"date": m.get("date"), "machine": m.get("machine", {}), "log_level": m.get("log_level", "info"),
           "runs": len(runs), "commands": m.get("commands", {}), "notes": m.get("notes", []),
           "rows": build_rows(runs, losses), "raw": runs}
    if svg:
        err = plot(doc, svg, losses)
        doc["plot"] = os.path.basename(svg) if not err else None
        if err:
            doc["notes"].append("plot: " + err)
    for r in doc["rows"]:
        r.pop("fmt_", None)
    with open(out_json, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print_table(doc)
    for n in doc["notes"]:
        print("note: " + n)
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, args = argv[1], argv[2:]
    if cmd == "ping" and len(args) == 1:
        print(json.dumps(cmd_ping(args[0])))
    elif cmd == "xfer" and len(args) == 4:
        print(json.dumps(cmd_xfer(*args)))
    elif cmd == "conns" and len(args) == 5:
        print(json.dumps(cmd_conns(*args)))
    elif cmd == "callgrind":
        print(json.dumps(cmd_callgrind(args)))
    elif cmd == "aggregate" and len(args) >= 2:
        svg = meta = None
        rest = args[2:]
        while rest:
            if rest[0] == "--plot":
                svg = rest[1]
            elif rest[0] == "--meta":
                meta = rest[1]
            else:
                print("report.py: unknown option %s" % rest[0], file=sys.stderr)
                return 2
            rest = rest[2:]
        return cmd_aggregate(args[0], args[1], svg, meta)
    else:
        print("report.py: bad command line (see --help)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
