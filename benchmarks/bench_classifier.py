"""Math classifier scoring speed: octo's MathScorer vs datatrove's FastTextClassifierFilter, same model.

    python benchmarks/bench_classifier.py [--docs 20000] [--bucket 2000000] [--dim 256] [--word-ngrams 3]
                                          [--english-only] [--quality-model PATH]

Input: 2,000-character documents cut from real text in ../shared/data — MATH-500 problems and
solutions and GSM8K problems and answers (math), and the text of the real pages in the shared
WARC files (non-math; `--english-only` keeps the English ones, as the pipeline's language filter
does) — tiled at different offsets so no two documents are the same.
Model: one fastText model trained by our train_fasttext with the DeepSeekMath/MegaMath defaults
(dim 256, lr 0.1, wordNgrams 3, minCount 3, epoch 3, 2M hash buckets; the flags change dim,
wordNgrams and buckets) on other documents
of the same sources. Both sides score every document with that model file, one core, in this
process; docs/s are per CPU second of that core (time.process_time), so a busy shared machine
does not count against either side:
  ours:      MathScorer.run(): NFKC/lowercase in Python, then number/LaTeX normalisation, fastText
             tokens and hashing and the sum of projected logit rows in C (classifiers/linear.py);
  anchor:    FastTextClassifierFilter(keep_labels=("math", 0.5)).run() (newline removal + one
             predict call per document).
Also printed: the share of our time spent in the str steps that stay in Python.
`--quality-model PATH` adds precision/recall/F1 of a trained model (e.g. the committed recipe's
out/models/math_classifier/latest.bin) on the real math text vs the real non-math pages.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
DOC_CHARS = 2000


def math_texts() -> list[str]:
    out = []
    with open(os.path.join(DATA, "benchmarks", "math500", "test.jsonl")) as f:
        out += [f"{r['problem']}\n{r['solution']}" for r in map(json.loads, f)]
    with open(os.path.join(DATA, "benchmarks", "gsm8k", "test.jsonl")) as f:
        # GSM8K's <<48/2=24>> calculator annotations are not web text
        out += [f"{r['question']}\n{re.sub(r'<<[^>]*>>', '', r['answer'])}" for r in map(json.loads, f)]
    return out


def page_texts() -> list[str]:
    """Plain text of the real (non-math) pages in the shared WARCs."""
    from resiliparse.extract.html2text import extract_plain_text

    from curation.warc import iter_pages

    out = []
    for path in sorted(glob.glob(os.path.join(DATA, "warc", "*.warc.gz"))):
        try:
            for page in iter_pages(path):
                if page.error or "html" not in page.content_type:
                    continue
                html = page.html
                text = extract_plain_text(html, main_content=True)
                if len(text) >= 200 and "mathjax" not in html.lower():
                    out.append(text)
        except Exception:  # the deliberately broken WARCs of the test data
            continue
    return out


def tile(texts: list[str], n: int, rng: random.Random) -> list[str]:
    """n documents of exactly DOC_CHARS characters, each from a random start in the joined texts."""
    joined = "\n".join(texts)
    while len(joined) < 4 * DOC_CHARS:
        joined += "\n" + joined
    return [joined[s:s + DOC_CHARS] for s in (rng.randrange(len(joined) - DOC_CHARS) for _ in range(n))]


def english(pages: list[str]) -> list[str]:
    """As in the web pipeline, where only English pages reach the classifier."""
    from classifiers.langid import LanguageIdentifier

    return [p for p, (lang, score) in zip(pages, LanguageIdentifier().predict(pages)) if lang == "en" and score >= 0.65]


def build_docs(n: int, seed: int, english_only: bool = False) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    maths, pages = math_texts(), page_texts()
    if english_only:
        pages = english(pages)
    docs = tile(maths, n // 2, rng) + tile(pages, n - n // 2, rng)
    labels = [1] * (n // 2) + [0] * (n - n // 2)
    order = list(range(n))
    rng.shuffle(order)
    return [docs[i] for i in order], [labels[i] for i in order]


def train_model(work: str, bucket: int, dim: int, word_ngrams: int) -> str:
    from classifiers.config import FastTextConfig
    from classifiers.train import Example, save_model, train_fasttext, write_fasttext_file

    texts, labels = build_docs(4000, seed=1)
    ft = FastTextConfig(bucket=bucket, dim=dim, word_ngrams=word_ngrams, threads=1)
    examples = [Example(str(i), t, y, None, "bench") for i, (t, y) in enumerate(zip(texts, labels))]
    write_fasttext_file(examples, os.path.join(work, "train.txt"), ft, strip=True)
    model, _, _ = train_fasttext(os.path.join(work, "train.txt"), ft)
    path = os.path.join(work, "model.bin")
    save_model(model, path)
    return path


def timed(fn) -> float:
    """CPU seconds of this (one-core) process: on a shared machine, wall time also counts the
    time other people's processes held the core."""
    t = time.process_time()
    fn()
    return time.process_time() - t


def run_ours(model_path: str, texts: list[str]) -> tuple[float, float, str]:
    from datatrove.data import Document

    from classifiers.normalise import prepare
    from classifiers.score import MathScorer

    docs = [Document(text=t, id=str(i), metadata={}) for i, t in enumerate(texts)]
    step = MathScorer(model_path, threshold=0.5, batch_size=512)
    step.setup(0, 1)  # model load is not scoring ...
    model = step._model
    path = "fastText predict" if model.linear is None else (  # ... nor is building the logit table
        "numpy table" if model.linear._lib is None else "C table")
    total = timed(lambda: sum(1 for _ in step.run(iter(docs), 0, 1)))
    prep = timed(lambda: [prepare(t, model.max_chars, model.max_line_chars) for t in texts])
    return total, prep, path
def run_datatrove(model_path: str, texts: list[str]) -> float:
    from datatrove.data import Document
    from datatrove.pipeline.filters import FastTextClassifierFilter

    docs = [Document(text=t, id=str(i), metadata={}) for i, t in enumerate(texts)]
    step = FastTextClassifierFilter(model_url=model_path, keep_labels=("math", 0.5))
    _ = step.model  # model load (a copy into datatrove's asset cache) is not scoring
    try:
        return timed(lambda: sum(1 for _ in step.run(iter(docs), 0, 1)))
    finally:
        remove_datatrove_copy(model_path)


def remove_datatrove_copy(model_path: str) -> None:
    """datatrove copied the model into its asset cache under a name made from our temp path."""
    from datatrove.io import cached_assets_path, strip_protocol

    folder = cached_assets_path(library_name="datatrove", namespace="filters", subfolder="fasttext")
    copy = os.path.join(folder, strip_protocol(model_path).replace("/", "_"))
    for path in (copy, copy + ".completed", copy + ".lock"):
        if os.path.exists(path):
            os.remove(path)


def quality(model_path: str) -> None:
    from classifiers.evaluate import binary_report
    from classifiers.score import MathModel

    rng = random.Random(3)
    maths = rng.sample(math_texts(), 400)
    pages = english(page_texts())
    scores = MathModel(model_path).score(maths + pages)
    metrics, _ = binary_report([1] * len(maths) + [0] * len(pages), scores, 0.5, 0.95)
    at = metrics["at_threshold"]
    print(f"quality of {model_path} on real text: {len(maths)} math texts (MATH-500, GSM8K) vs {len(pages)} real "
          f"English non-math pages: P={at['precision']} R={at['recall']} F1={at['f1']} ROC-AUC={metrics['roc_auc']} "
          f"(fp={at['fp']}, fn={at['fn']})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--bucket", type=int, default=2_000_000, help="fastText hash buckets of the benchmark model")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--word-ngrams", type=int, default=3)
    ap.add_argument("--english-only", action="store_true",
                    help="non-math half from the English pages only (what the classifier sees after language ID)")
    ap.add_argument("--quality-model", help="also report P/R/F1 of this model on real text")
    args = ap.parse_args()
    if not os.path.isdir(DATA):
        print(f"skipped: {DATA} is absent")
        return
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    work = tempfile.mkdtemp(prefix="bench_classifier_")
    try:
        model_path = train_model(work, args.bucket, args.dim, args.word_ngrams)
        texts, _ = build_docs(args.docs, seed=2, english_only=args.english_only)
        ours, prep, path = run_ours(model_path, texts)
        anchor = run_datatrove(model_path, texts)
        n = len(texts)
        pages = "English web pages" if args.english_only else "real web pages, all languages"
        print(f"input: {n} documents of {DOC_CHARS} characters (half math: MATH-500/GSM8K, half {pages}); "
              f"model: dim {args.dim}, wordNgrams {args.word_ngrams}, bucket {args.bucket}; one core")
        print(f"octo MathScorer ({path}, normalisation included): {n / ours:9.0f} docs/s")
        print(f"  of which the str steps in Python (NFKC, lower) : {prep / ours:9.0%} of the time")
        print(f"datatrove FastTextClassifierFilter                : {n / anchor:9.0f} docs/s")
        print(f"ratio octo / datatrove                            : {anchor / ours:9.2f}x")
        if args.quality_model:
            quality(args.quality_model)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
