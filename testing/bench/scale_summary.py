"""Summarises .cache/bench-scale/results.txt (written by scale.sh, make bench-scale) as Markdown:
one row per series, the same-run ratios and the floors of issue 16, then the load notes, and
last the line

  scale: events=N flink_stream_eps=A flink_stream_p2_eps=B flink_batch_eps=C local_eps=D plain_eps=E peer_eps=F

with 0 for a series that failed or did not run. Exits 1 when a series failed (or reported a
different number of events than the others), after printing everything."""

import shlex
import sys

SERIES = [  # name, what runs it
    ("plain", "plain Go (ceiling, same tables)"),
    ("flink_stream", "Flink, streaming translation (replayed stream), checkpoints every 5 s"),
    ("flink_stream_p2", "Flink, streaming translation (replayed stream), checkpoints every 5 s"),
    ("flink_batch", "Flink, batch translation"),
    ("local", "default local runner (in-process prism)"),
    ("peer", "PySpark peer, local[2], tables into Parquet"),
]


def load(path):
    rows, notes = {}, []
    for line in open(path):
        line = line.strip()
        if line.startswith("#"):
            notes.append(line.lstrip("# "))
        elif line.startswith("series="):
            kv = dict(f.split("=", 1) for f in shlex.split(line) if "=" in f)
            rows[kv["series"]] = kv
    return rows, notes


def num(kv, *keys):
    """The first of keys in kv as a float, or None."""
    for k in keys:
        if k in kv:
            try:
                return float(kv[k])
            except ValueError:
                pass
    return None


def metrics(kv):
    """A series' figures in common units, from a Go benchmark's or the peer's keys."""
    peer = kv["series"] == "peer"
    eps = num(kv, "events_per_s" if peer else "events/s")
    m = {"events": num(kv, "events"), "eps": eps}
    if peer:
        m["wall_s"] = num(kv, "query_s")
        m["jvm_us"] = num(kv, "cpu_ns_per_event")  # the Spark JVM and the Python driver
        m["cores"] = num(kv, "cores")
        m["jvm_rss"] = num(kv, "peak_rss_mib")
        m["driver_memory"] = kv.get("driver_memory")
    else:
        ns = num(kv, "ns/op")
        m["wall_s"] = ns / 1e9 if ns is not None else None
        m["go_us"] = num(kv, "cpu-ns/event")
        m["jvm_us"] = num(kv, "jvm-cpu-ns/event")
        cores = [c for c in (num(kv, "cores"), num(kv, "jvm-cores")) if c is not None]
        m["cores"] = sum(cores) if cores else None
        m["go_rss"] = num(kv, "peak-rss-MiB")
        m["jvm_rss"] = num(kv, "jvm-peak-rss-MiB")
    for k in ("go_us", "jvm_us"):
        if m.get(k) is not None:
            m[k] /= 1000
    parts = [m.get(k) for k in ("go_us", "jvm_us") if m.get(k) is not None]
    m["total_us"] = sum(parts) if parts else None
    return m


def fmt(x, digits=0):
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def main():
    rows, notes = load(sys.argv[1])
    ms = {name: metrics(kv) for name, kv in rows.items() if kv.get("status") == "ok"}
    counts = [m["events"] for name in ("plain", "flink_stream", "local", "flink_stream_p2", "flink_batch", "peer")
              if (m := ms.get(name)) and m["events"]]
    n = int(counts[0]) if counts else 0
    failed = False

    print("| series | runner | parallelism | check | events | events/s | wall s | CPU µs/event, Go process "
          "| CPU µs/event, JVM | CPU µs/event, total | cores used | peak RSS MiB, Go | peak RSS MiB, JVM |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, runner in SERIES:
        kv = rows.get(name)
        if kv is None:
            print(f"| {name} | {runner} | | not run | | 0 | | | | | | | |")
            continue
        if kv.get("status") != "ok":
            failed = True
            why = kv.get("why", "failed").replace("|", "\\|")
            print(f"| {name} | {runner} | {kv.get('parallelism', '')} | **FAIL**: {why} | | 0 | | | | | | | |")
            continue
        m = ms[name]
        check = "ok (counters and files = plain Go)" if name not in ("plain", "peer") else (
            "ok (files = its rows)" if name == "plain" else "ok (Parquet tables = reference)")
        if m["events"] != n:
            failed = True
            check = f"**FAIL**: {fmt(m['events'])} events, others {n:,}"
        p = kv.get("parallelism", "2 (local[2])" if name == "peer" else "")
        print(f"| {name} | {runner} | {p} | {check} | {fmt(m['events'])} | {fmt(m['eps'])} | {fmt(m['wall_s'], 1)} "
              f"| {fmt(m.get('go_us'), 1)} | {fmt(m.get('jvm_us'), 1)} | {fmt(m['total_us'], 1)} "
              f"| {fmt(m['cores'], 2)} | {fmt(m.get('go_rss'))} | {fmt(m.get('jvm_rss'))} |")
    if "peer" in ms:
        print(f"\nThe peer's JVM column is Spark's JVM and the Python driver together; its driver memory: "
              f"{ms['peer']['driver_memory']}. Wall time: the timed run (the Go benchmark's loop, the peer's queries).")

    eps = {name: m["eps"] for name, m in ms.items()}

    def ratio(a, b):
        return eps[a] / eps[b] if eps.get(a) and eps.get(b) else None

    print("\n| ratio (same run) | value | floor (issue 16, 1M events, quiet machine) |\n|---|---|---|")
    for a, b, floor in (("flink_stream", "plain", "≥ 0.5"), ("flink_stream_p2", "flink_stream", "≥ 1.0"),
                        ("flink_stream", "peer", "≥ 1.0 (aim 3)"), ("flink_batch", "flink_stream", ""),
                        ("local", "plain", ""), ("plain", "peer", "")):
        print(f"| {a} / {b} | {fmt(ratio(a, b), 2)} | {floor} |")

    def met(ok):
        return "—" if ok is None else ("met" if ok else "**not met**")

    fs, loc = ms.get("flink_stream", {}), ms.get("local", {})
    r_plain, r_p2, r_peer = ratio("flink_stream", "plain"), ratio("flink_stream_p2", "flink_stream"), ratio("flink_stream", "peer")
    print("\n| floor | this run |\n|---|---|")
    for floor, value, ok in (
        ("Flink streaming ≥ 25,000 events/s", fmt(fs.get("eps")), None if not fs else fs["eps"] >= 25000),
        ("Flink streaming ≥ 0.5 × plain Go", fmt(r_plain, 2), None if r_plain is None else r_plain >= 0.5),
        ("parallelism 2 no slower than 1", fmt(r_p2, 2), None if r_p2 is None else r_p2 >= 1.0),
        ("Flink streaming ≥ 1.0 × the peer", fmt(r_peer, 2), None if r_peer is None else r_peer >= 1.0),
        ("Go-side CPU ≤ 30 µs/event (Flink streaming)", fmt(fs.get("go_us"), 1),
         None if fs.get("go_us") is None else fs["go_us"] <= 30),
        ("JVM-side CPU ≤ 15 µs/event (Flink streaming)", fmt(fs.get("jvm_us"), 1),
         None if fs.get("jvm_us") is None else fs["jvm_us"] <= 15),
        ("local runner ≥ 10,000 events/s", fmt(loc.get("eps")), None if not loc else loc["eps"] >= 10000),
        ("local runner peak RSS < 2 GiB", fmt(loc.get("go_rss")) + " MiB" if loc.get("go_rss") else "—",
         None if loc.get("go_rss") is None else loc["go_rss"] < 2048),
    ):
        print(f"| {floor} | {value}: {met(ok)} |")

    print()
    for note in notes:
        print(f"{note}  ")
    print()
    line = " ".join(f"{name}_eps={int(round(eps.get(name) or 0))}" for name in
                    ("flink_stream", "flink_stream_p2", "flink_batch", "local", "plain", "peer"))
    print(f"scale: events={n} {line}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
