"""Answers checked per second: train.answers.AnswerChecker vs math-verify parse+verify called
directly in one process (the anchor), on the same real inputs.

Input: the reference solutions of GSM8K test (1,319) and MATH-500 (500) from ../shared/data,
each checked against its own gold (right) and the next problem's gold (mostly wrong): 3,638
checks. Prints both rates, the ratio, and how often the two agree on right/wrong.

    .venv/bin/python benchmarks/bench_answers.py [--workers N] [--rounds R] [--part all|math500-shifted]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "benchmarks"


def load_checks(part: str = "all") -> tuple[list[str], list[str], list[str]]:
    outputs, golds, kinds = [], [], []
    for name, field, kind in (("gsm8k", "answer", "number"), ("math500", "solution", "math")):
        if part == "math500-shifted" and name != "math500":
            continue
        rows = [json.loads(line) for line in (DATA / name / "test.jsonl").open(encoding="utf-8")]
        if name == "gsm8k":
            gold = [r["answer"].rsplit("####", 1)[1].strip().replace(",", "") for r in rows]
        else:
            gold = [r["answer"] for r in rows]
        sols = [r[field] for r in rows]
        if part == "math500-shifted":  # the worst case for our fast paths: nearly all wrong
            outputs, golds, kinds = sols, gold[1:] + gold[:1], [kind] * len(rows)
            continue
        outputs += sols + sols
        golds += gold + gold[1:] + gold[:1]
        kinds += [kind] * (2 * len(rows))
    return outputs, golds, kinds


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of a process (Linux /proc): our workers are not our children
    (they fork from the forkserver), so RUSAGE_CHILDREN would miss them."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def anchor(outputs: list[str], golds: list[str]) -> list[bool]:
    """math-verify as its README shows it: parse the gold, parse the whole output, verify."""
    from math_verify import parse, verify

    return [bool(verify(parse(f"${g}$"), parse(o))) for o, g in zip(outputs, golds)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--part", default="all", choices=["all", "math500-shifted"])
    ap.add_argument("--rounds", type=int, default=3, help="alternate ours/anchor this many times; best of each")
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"skip: {DATA} is absent")
        return 0
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    from collections import Counter

    import math_verify  # noqa: F401  (imported before timing, as ours imports it in its workers)

    from train.answers import AnswerChecker

    outputs, golds, kinds = load_checks(args.part)
    n = len(outputs)
    ours_s, anchor_s, startup_s, ours_cpu, anchor_cpu = [], [], [], [], []
    for _ in range(args.rounds):
        # Alternate, so load from other users of the machine hits both sides alike. A fresh
        # pool per round: its caches start empty, as the anchor's do.
        t = time.perf_counter()
        with AnswerChecker(workers=args.workers) as checker:
            checker.check_many(["\\boxed{1}"], ["1"])  # start the workers
            startup_s.append(time.perf_counter() - t)
            pids = [w.process.pid for w in checker._pool]
            cpu0 = time.process_time() + sum(cpu_seconds(p) for p in pids)
            t = time.perf_counter()
            ours = checker.check_many(outputs, golds, kinds)
            ours_s.append(time.perf_counter() - t)
            ours_cpu.append(time.process_time() + sum(cpu_seconds(p) for p in pids) - cpu0)
            workers = checker.workers
        t, cpu0 = time.perf_counter(), time.process_time()
        theirs = anchor(outputs, golds)
        anchor_s.append(time.perf_counter() - t)
        anchor_cpu.append(time.process_time() - cpu0)
    ours_rate, anchor_rate = n / min(ours_s), n / min(anchor_s)
    ours_per_cpu, anchor_per_cpu = n / min(ours_cpu), n / min(anchor_cpu)
    agree = sum(a.correct == b for a, b in zip(ours, theirs)) / n
    methods = Counter(r.method for r in ours)
    what = {"all": "GSM8K test + MATH-500 reference solutions vs own and shifted gold",
            "math500-shifted": "MATH-500 reference solutions vs the next problem's gold"}[args.part]
    print(f"input: {what}, {n} checks; best of {args.rounds}")
    print(f"ours (AnswerChecker, {workers} workers):        {ours_rate:8.1f} checks/s wall  {ours_per_cpu:8.1f} checks/CPU-s   right: {sum(r.correct for r in ours)}")
    print(f"anchor (math-verify parse+verify, 1 process): {anchor_rate:8.1f} checks/s wall  {anchor_per_cpu:8.1f} checks/CPU-s   right: {sum(theirs)}")
    print(f"worker start-up: {min(startup_s):.2f} s (not in the rates); ours by method: {dict(methods.most_common())}")
    print(f"ratio ours/anchor: {ours_rate / anchor_rate:.2f}x wall, {ours_per_cpu / anchor_per_cpu:.2f}x per CPU second; "
          f"agreement on right/wrong {agree:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
