"""`octo-train eval`: few-shot math evaluation of a model, or scoring of given outputs.

    octo-train eval --benchmark gsm8k --data test.jsonl --model runs/stable/hf          # 8-shot
    octo-train eval --benchmark math500 --data test.jsonl --model DIR --shots 0 --n 8  # boxed, pass@k
    octo-train eval --benchmark gsm8k --data test.jsonl --predictions outputs.jsonl

Writes OUT/<benchmark>.samples.jsonl (one row per sample: id, gold, output, pred, correct,
method) and OUT/<benchmark>.summary.json, prints a summary table, and prints as its last line a
JSON object with benchmark, n (problems), accuracy (mean over samples, = pass@1), and with
--n > 1 pass@k and maj@k.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections import Counter
from pathlib import Path

from train.answers import AnswerChecker, CheckResult, normalize_answer
from train.benchmarks import BENCHMARKS, BenchmarkError, Problem, build_prompt, default_shots, load_benchmark, stop_strings
from train.usage import UsageError, UsageParser as _Parser



def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="octo-train eval", description="Few-shot math evaluation, or scoring of given outputs.")
    p.add_argument("--benchmark", required=True, choices=sorted(BENCHMARKS), metavar="NAME",
                   help=f"one of: {', '.join(BENCHMARKS)}")
    p.add_argument("--data", help="benchmark file (.jsonl/.json/.parquet) or a Hugging Face dataset id owner/name[:config][@split]")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="a transformers checkpoint folder, a training run folder (its hf/ export), or a hub id")
    src.add_argument("--predictions", help='JSONL of {"output": ...} per line (or "outputs": [...]), in benchmark order')
    p.add_argument("--tokenizer", help="tokenizer directory when the checkpoint has none (default: the model's)")
    p.add_argument("--shots", type=int, help="few-shot examples (default: the benchmark's standard); 0 = zero-shot, answer in \\boxed{}")
    p.add_argument("--n", type=int, default=1, help="samples per problem (pass@k, maj@k)")
    p.add_argument("--temperature", type=float, help="default 0 (greedy) for --n 1, else 0.6")
    p.add_argument("--top-p", type=float, help="default 1.0 greedy, else 0.95")
    p.add_argument("--max-new-tokens", type=int, default=512)
    p.add_argument("--batch-size", type=int, default=8, help="sequences per generate() call (transformers)")
    p.add_argument("--backend", default="auto", choices=["auto", "transformers", "vllm"])
    p.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    p.add_argument("--dtype", default="auto")
    p.add_argument("--no-chat-template", action="store_true", help="zero-shot: plain Question/Answer frame even if the tokenizer has a chat template")
    p.add_argument("--limit", type=int, help="only the first N problems")
    p.add_argument("--out", help="output directory (default: MODEL/eval, or next to the predictions file)")
    p.add_argument("--workers", type=int, help="answer-checking processes (default: CPU count, at most 8)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds per answer check before it counts as wrong")
    p.add_argument("--seed", type=int, default=0)
    return p


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def read_predictions(path: Path, n_problems: int, limited: bool) -> list[list[str]]:
    """Outputs per problem from a predictions JSONL, in benchmark order."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    rows: list[list[str]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise UsageError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
            value = rec.get("outputs", rec.get("output")) if isinstance(rec, dict) else None
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not value or not all(isinstance(v, str) or v is None for v in value):
                raise UsageError(f'{path}:{lineno}: expected {{"output": "..."}} or {{"outputs": ["...", ...]}}')
            rows.append(["" if v is None else v for v in value])
    if len(rows) < n_problems or (len(rows) != n_problems and not limited):
        raise UsageError(
            f"{path} has {len(rows)} predictions but the benchmark has {n_problems} problems"
            + ("" if limited else f" (--limit {len(rows)} scores the first {len(rows)})")
        )
    return rows[:n_problems]


def resolve_model(model: str) -> str:
    """A model folder, a training run folder (its HF export), or a hub id."""
    from train.model import EXPORT_DIR

    path = Path(model).expanduser()
    if path.is_dir():
        for candidate in (path, path / EXPORT_DIR):
            if (candidate / "config.json").is_file():
                return str(candidate)
        raise UsageError(f"{model}: neither a model folder (config.json) nor a run folder with an {EXPORT_DIR}/ export")
    if model.startswith((".", "/", "~")) or model.count("/") != 1:  # a hub id is owner/name
        raise UsageError(f"{model}: no such model directory")
    return model


def generate_outputs(args, problems: list[Problem]) -> tuple[list[list[str]], list[str]]:
    from train.generate import SamplingConfig, load_generator

    model = resolve_model(str(args.model))
    try:
        generator = load_generator(model, backend=args.backend, tokenizer=args.tokenizer, device=args.device, dtype=args.dtype,
                                   batch_size=args.batch_size, seed=args.seed)
    except (OSError, ValueError) as e:  # not a checkpoint, offline hub id, bad dtype
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UsageError(f"{model}: cannot load the model ({first})") from None
    chat = None if args.no_chat_template else generator.chat_template()
    prompts = [build_prompt(p, args.benchmark, args.shots, chat) for p in problems]
    # One stop list for the run: every problem of a benchmark shares a prompt family, except
    # choice problems inside a math benchmark, whose stops ("Question:") are added too.
    stops = sorted({s for p in problems for s in stop_strings(args.benchmark, args.shots, p)})
    greedy = args.n == 1 if args.temperature is None else args.temperature == 0
    sampling = SamplingConfig(
        n=args.n,
        temperature=0.0 if greedy else (0.6 if args.temperature is None else args.temperature),
        top_p=(1.0 if greedy else 0.95) if args.top_p is None else args.top_p,
        max_new_tokens=args.max_new_tokens,
        stop=stops,
        seed=args.seed,
    )
    completions = generator.generate(prompts, sampling)
    return [[c.text for c in per_prompt] for per_prompt in completions], prompts


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from n samples with c correct (Chen et al., 2021)."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def majority_correct(results: list[CheckResult]) -> bool:
    """Is the most frequent answer (by normalised string) a correct one?"""
    votes = Counter(normalize_answer(r.pred) for r in results if r.pred is not None)
    if not votes:
        return False
    winner = votes.most_common(1)[0][0]
    return next(r.correct for r in results if r.pred is not None and normalize_answer(r.pred) == winner)


def summarize(benchmark: str, results: list[list[CheckResult]]) -> dict:
    flat = [r for per in results for r in per]
    n_samples = max(len(per) for per in results)
    summary: dict = {
        "benchmark": benchmark,
        "n": len(results),
        "samples_per_problem": n_samples,
        "accuracy": sum(sum(r.correct for r in per) / len(per) for per in results) / len(results),
        "no_answer": sum(r.pred is None for r in flat) / len(flat),
        "timeouts": sum(r.method == "timeout" for r in flat),
        "errors": sum(r.method.startswith("error") for r in flat),
    }
    if n_samples > 1:
        ks = sorted({k for k in (2 ** i for i in range(int(math.log2(n_samples)) + 1))} | {n_samples})
        for k in ks:
            summary[f"pass@{k}"] = sum(pass_at_k(len(per), sum(r.correct for r in per), min(k, len(per))) for per in results) / len(results)
        summary[f"maj@{n_samples}"] = sum(majority_correct(per) for per in results) / len(results)
    return summary


def print_table(summary: dict) -> None:
    keys = [k for k in summary if k not in ("benchmark",)]
    width = max(len(k) for k in keys)
    print(f"== {summary['benchmark']} ==")
    for k in keys:
        v = summary[k]
        print(f"  {k:<{width}}  {v:.4f}" if isinstance(v, float) else f"  {k:<{width}}  {v}")


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def run(args) -> dict:
    if args.n < 1:
        raise UsageError("--n must be >= 1")
    if args.shots is not None and args.shots < 0:
        raise UsageError("--shots must be >= 0")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be >= 1")
    if args.timeout <= 0:
        raise UsageError("--timeout must be > 0")
    if args.model and args.n > 1 and args.temperature == 0:
        raise UsageError("--n > 1 samples need --temperature > 0")
    started = time.monotonic()
    problems = load_benchmark(args.benchmark, args.data, args.limit)
    shots = default_shots(args.benchmark) if args.shots is None else args.shots
    args.shots = shots
    if args.predictions:
        pred_path = Path(args.predictions)
        outputs = read_predictions(pred_path, len(problems), args.limit is not None)
        prompts = None
        out_dir = Path(args.out) if args.out else pred_path.parent / f"{pred_path.stem}.eval"
    else:
        outputs, prompts = generate_outputs(args, problems)
        out_dir = Path(args.out) if args.out else Path(args.model) / "eval"

    flat_outputs, golds, kinds, choices, owner = [], [], [], [], []
    for i, (p, outs) in enumerate(zip(problems, outputs)):
        for o in outs:
            flat_outputs.append(o)
            golds.append(p.gold)
            kinds.append(p.kind)
            choices.append(p.choices)
            owner.append(i)
    with AnswerChecker(workers=args.workers, timeout_s=args.timeout) as checker:
        flat_results = checker.check_many(flat_outputs, golds, kinds, choices)
    results: list[list[CheckResult]] = [[] for _ in problems]
    for i, r in zip(owner, flat_results):
        results[i].append(r)

    out_dir.mkdir(parents=True, exist_ok=True)
    samples_path = out_dir / f"{args.benchmark}.samples.jsonl"
    with open(samples_path, "w", encoding="utf-8") as f:
        for i, (p, outs, res) in enumerate(zip(problems, outputs, results)):
            for j, (o, r) in enumerate(zip(outs, res)):
                row = {"id": p.id, "sample": j, "question": p.question, "gold": p.gold, "kind": p.kind,
                       "output": o, "pred": r.pred, "correct": r.correct, "method": r.method}
                if prompts is not None and j == 0:
                    row["prompt"] = prompts[i]
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = summarize(args.benchmark, results)
    summary.update(shots=shots, source=args.model or args.predictions, samples=str(samples_path),
                   seconds=round(time.monotonic() - started, 2))
    (out_dir / f"{args.benchmark}.summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(f"octo-train eval: {e}", file=sys.stderr)
        return 2
    except SystemExit as e:  # --help
        return int(e.code or 0)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        summary = run(args)
    except (UsageError, BenchmarkError) as e:
        print(f"octo-train eval: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a model directory transformers cannot load, an unwritable --out
        print(f"octo-train eval: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else e!r}", file=sys.stderr)
        return 2
    print_table(summary)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
