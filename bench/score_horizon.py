#!/usr/bin/env python3
"""How far back later sessions change earlier sessions' answers, per detector (issue 23).

Incremental scoring writes each run's answers and, to equal one batch over the same sessions,
must also rewrite every earlier session whose answer the new sessions change. This measures
that on a generated corpus: for each cut time T it scores only the sessions created before T
(what an incremental run at T would have seen), scores the whole corpus, and compares the two
for the sessions created before T. Per detector it prints the sessions whose findings the later
sessions added or took away, and the largest lag (T minus the changed session's creation time):
the state an exact incremental run needs to keep per user (or per network and city) to rewrite
them, where the lag is bounded at all.

Usage: bench/score_horizon.py FACESIGN_ANALYTICS CORPUS_DIR WORK_DIR [CUT_FRACTIONS]
  CORPUS_DIR holds `generate`'s sessions.ndjson; CUT_FRACTIONS (default 0.25,0.5,0.75) place
  the cuts within the corpus's time span.
"""
import collections
import os
import re
import subprocess
import sys

import pyarrow.dataset as ds

CREATED = re.compile(rb'"createdAt":(\d+)')


def created_ms(line):
    # `generate` writes the session's own createdAt first, before any transcript's.
    m = CREATED.search(line)
    return int(m.group(1)) if m else None


def score(fa, ndjson, out):
    subprocess.run([fa, "score", "--input", ndjson, "--out", out], check=True, stdout=subprocess.DEVNULL)
    findings = collections.defaultdict(set)
    for row in ds.dataset(os.path.join(out, "findings")).to_table(columns=["session_id", "detector"]).to_pylist():
        findings[row["session_id"]].add(row["detector"])
    scores = {
        r["session_id"]: r["risk_score"]
        for r in ds.dataset(os.path.join(out, "scores")).to_table(columns=["session_id", "risk_score"]).to_pylist()
    }
    return findings, scores


def main():
    fa, corpus, work = sys.argv[1:4]
    fractions = [float(f) for f in (sys.argv[4] if len(sys.argv) > 4 else "0.25,0.5,0.75").split(",")]
    os.makedirs(work, exist_ok=True)
    source = os.path.join(corpus, "sessions.ndjson")
    times = {}
    with open(source, "rb") as f:
        lines = f.readlines()
    ids = re.compile(rb'^\{"id":"([^"]+)"')
    for line in lines:
        times[ids.match(line).group(1).decode()] = created_ms(line)
    lo, hi = min(times.values()), max(times.values())
    full_findings, full_scores = score(fa, source, os.path.join(work, "full"))
    detectors = sorted({d for s in full_findings.values() for d in s})
    print(f"corpus: {len(lines)} sessions over {(hi - lo) / 86_400_000:.1f} days")
    print(f"{'cut':>6} {'detector':<22} {'added':>7} {'removed':>8} {'max lag h':>10}")
    for fraction in fractions:
        cut = lo + int((hi - lo) * fraction)
        prefix = os.path.join(work, f"prefix-{fraction}.ndjson")
        with open(prefix, "wb") as f:
            f.writelines(line for line in lines if created_ms(line) < cut)
        findings, scores = score(fa, prefix, os.path.join(work, f"prefix-{fraction}"))
        before = [sid for sid, t in times.items() if t < cut]
        for detector in detectors:
            added = [s for s in before if detector in full_findings[s] and detector not in findings[s]]
            removed = [s for s in before if detector not in full_findings[s] and detector in findings[s]]
            lag = max(((cut - times[s]) / 3_600_000 for s in added + removed), default=0.0)
            print(f"{fraction:>6} {detector:<22} {len(added):>7} {len(removed):>8} {lag:>10.1f}")
        changed = [s for s in before if scores.get(s) != full_scores.get(s)]
        lag = max(((cut - times[s]) / 3_600_000 for s in changed), default=0.0)
        print(f"{fraction:>6} {'(risk_score)':<22} {len(changed):>7} {'':>8} {lag:>10.1f}  of {len(before)} sessions")
        os.remove(prefix)


if __name__ == "__main__":
    main()
