"""Summarises .cache/bench/raw.txt (written by run.sh) as a Markdown table:
per series the median and min–max of each metric over the rounds, then the
ratios between series computed within each round (same load) and their median."""

import re
import statistics
import sys
from collections import defaultdict

vals = defaultdict(lambda: defaultdict(dict))  # series -> metric -> round -> value
notes = []
for line in open(sys.argv[1]):
    if line.startswith("#"):
        notes.append(line.strip("# \n"))
        continue
    m = re.match(r"(\S+) round=(\d+) (.*)", line)
    if not m:
        continue
    series, rnd, rest = m.group(1), int(m.group(2)), m.group(3)
    if series.startswith("peer"):
        for k, v in re.findall(r"(\w+)=([\d.]+)", rest):
            vals[series][{"events_per_s": "events/s"}.get(k, k)][rnd] = float(v)
        continue
    fields = rest.split()[2:]  # drop name and iterations
    for v, unit in zip(fields[0::2], fields[1::2]):
        vals[series][unit][rnd] = float(v)


def fmt(x):
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


print("| series | metric | median | min–max | rounds |\n|---|---|---|---|---|")
for series, metrics in vals.items():
    for metric in ("events/s", "cpu-ns/event", "ns/event", "peak-rss-MiB", "bytes/event", "events", "expired-orders",
                   "forgotten-orders", "orders", "max-open-orders", "open-orders-at-end", "heap-at-end-MiB", "query_s", "total_s"):
        rs = metrics.get(metric)
        if rs:
            xs = list(rs.values())
            print(f"| {series} | {metric} | {fmt(statistics.median(xs))} | {fmt(min(xs))}–{fmt(max(xs))} | {len(xs)} |")

print("\n| ratio (same round) | median | min–max |\n|---|---|---|")
eps = {s: m.get("events/s", {}) for s, m in vals.items()}
pairs = (("prism", "plain"), ("flink-p1", "plain"), ("flink-p2", "plain"), ("flink-p2", "flink-p1"),
         ("prism", "peer"), ("flink-p1", "peer"), ("flink-p2", "peer"), ("plain", "peer"))
for a, b in pairs + tuple((a + "-large", b + "-large") for a, b in pairs):
    rs = [eps[a][r] / eps[b][r] for r in eps.get(a, {}) if r in eps.get(b, {}) and eps[b][r] > 0]
    if rs:
        print(f"| {a} / {b} | {statistics.median(rs):.3g} | {min(rs):.3g}–{max(rs):.3g} |")
for n in notes:
    print(f"\n{n}")
