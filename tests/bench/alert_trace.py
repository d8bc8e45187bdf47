#!/usr/bin/env python3
"""Where each loaded urgent alert of a cen_alert_bench run spent its time.

Run the bench with debug logs and keep its work directory:

    CEN_LOG_LEVEL=debug build/dev/tests/bench/cen_alert_bench --bulk 1000000 \
        --alerts 100 --keep
    tests/bench/alert_trace.py /tmp/cen-alert-bench-XXXXXX

For every alert submitted after the idle ones (ref BENCH-URGENT-<n>, n above
--idle), it prints, in ms after the hub's received_at (the start of the hub's
priority commit): when `submit` exited (samples.csv) and when ALERT's agent
sent the alert ("alert(s) sent"), both before it and often in that order
reversed (the agent sends on the doorbell's ring while `submit` is still
exiting); when that commit ended (hub.err: the "group commit" line after
"priority commit"), when WATCH read the alert off its priority feed
("priority feed: a message"), when WATCH had applied it ("applied ahead of
the backlog") and when the bench's poll saw it (samples.csv, one line per
alert: n, latency in ms, wall time in ms); then the medians. Log times have
millisecond resolution, from the same clock.
"""
import argparse
import bisect
import datetime
import math
import sqlite3
import statistics


def when(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "")).timestamp()


def log_times(path, needle):
    with open(path, encoding="utf-8", errors="replace") as f:
        return [when(line[:23]) for line in f if needle in line]


def after(times, t):
    i = bisect.bisect_left(times, t)
    return times[i] if i < len(times) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir", help="a cen_alert_bench --keep work directory")
    ap.add_argument("--idle", type=int, default=100,
                    help="alerts up to this number were the idle ones (--alerts)")
    ap.add_argument("--idle-only", action="store_true",
                    help="trace the idle alerts instead of the loaded ones")
    ap.add_argument("--in-the-way", action="store_true",
                    help="also list, per alert, the hub's bulk commits and slow loop steps "
                         "that ended between ALERT sending the alert and the hub taking it in, "
                         "and WATCH's timed steps and commits that ended between the hub's "
                         "commit and WATCH reading the alert (debug lines with 'took')")
    args = ap.parse_args()
    db = sqlite3.connect(f"file:{args.workdir}/WATCH/node.db?mode=ro", uri=True)
    alerts = sorted((int(ref.rsplit("-", 1)[1]), when(at)) for ref, at in db.execute(
        "SELECT ref, received_at FROM records WHERE ref LIKE 'BENCH-URGENT-%'"))
    # The hub logs "priority commit: ..." before a priority commit and
    # "group commit: ..." after every commit: the one after a "priority
    # commit" line ends that commit, the others are bulk commits.
    committed = []
    bulk = []  # the hub's bulk commits and slow loop steps, for --in-the-way
    with open(f"{args.workdir}/hub.err", encoding="utf-8", errors="replace") as f:
        priority_next = False
        for line in f:
            if "priority commit:" in line:
                priority_next = True
            elif "group commit:" in line:
                if priority_next:
                    committed.append(when(line[:23]))
                else:
                    bulk.append((when(line[:23]), line[24:].strip()))
                priority_next = False
            elif "loop step" in line:
                bulk.append((when(line[:23]), line[24:].strip()))
    bulk_at = [t for t, _ in bulk]
    read = log_times(f"{args.workdir}/WATCH.err", "priority feed: a message")
    applied = log_times(f"{args.workdir}/WATCH.err", "applied ahead of the backlog")
    sent = log_times(f"{args.workdir}/ALERT.err", "alert(s) sent")
    timed = []  # WATCH's debug lines that time a step or a commit, for --in-the-way
    if args.in_the_way:
        with open(f"{args.workdir}/WATCH.err", encoding="utf-8", errors="replace") as f:
            for line in f:
                if "took" in line:
                    try:
                        timed.append((when(line[:23]), line[24:].strip()))
                    except ValueError:
                        pass  # not a log line
    timed_at = [t for t, _ in timed]
    in_the_way = {}  # n -> WATCH's timed lines between the hub's commit and WATCH's read
    seen = {}  # n -> when the bench's poll saw the alert (samples.csv, newer benches)
    exited = {}  # n -> when `submit` exited: seen minus the latency the bench measured
    try:
        with open(f"{args.workdir}/samples.csv", encoding="utf-8") as f:
            for line in f:
                n, latency_ms, wall_ms = line.strip().split(",")
                seen[int(n)] = float(wall_ms) / 1000
                exited[int(n)] = seen[int(n)] - float(latency_ms) / 1000
    except FileNotFoundError:
        pass
    rows = []
    for n, received in alerts:
        if (n <= args.idle) != args.idle_only:
            continue
        c = after(committed, received)
        r = after(read, c - 0.0005) if c else None
        a = after(applied, r - 0.0005) if r else None
        if None in (c, r, a):
            continue
        s = (seen[n] - received) * 1000 if n in seen else math.nan
        e = (exited[n] - received) * 1000 if n in exited else math.nan
        # The last send ALERT logged up to the hub's stamp (log times are
        # whole milliseconds).
        i = bisect.bisect_right(sent, received + 0.001)
        o = (sent[i - 1] - received) * 1000 if i > 0 else math.nan
        if args.in_the_way:
            lo, hi = bisect.bisect_left(timed_at, c - 0.0005), bisect.bisect_right(timed_at, r)
            in_the_way[n] = [text for _, text in timed[lo:hi]]
            if i > 0:
                lo = bisect.bisect_left(bulk_at, sent[i - 1])
                hi = bisect.bisect_right(bulk_at, received)
                in_the_way[n] = ["hub: " + text for _, text in bulk[lo:hi]] + in_the_way[n]
        rows.append((n, e, o, (c - received) * 1000, (r - received) * 1000,
                     (a - received) * 1000, s))
    print("alert  submit exited  ALERT sent  hub commit ended  WATCH read it  WATCH applied it"
          "  bench saw it   (ms after received_at)")
    for n, e, o, c, r, a, s in rows:
        print(f"{n:5d}  {e:13.1f}  {o:10.0f}  {c:16.0f}  {r:13.0f}  {a:16.0f}  {s:12.1f}")
        if args.in_the_way:
            for text in in_the_way[n]:
                print(f"       in the way: {text}")

    def median(k):
        values = [x[k] for x in rows if not math.isnan(x[k])]
        return statistics.median(values) if values else math.nan

    if rows:
        print(f"median {median(1):13.1f}  {median(2):10.1f}  {median(3):16.1f}  "
              f"{median(4):13.1f}  {median(5):16.1f}  {median(6):12.1f}   n={len(rows)}")


if __name__ == "__main__":
    main()
