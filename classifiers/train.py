"""From label rows to a trained fastText model.

1. `choose_labels`: one label per page — a user's file beats the LLM, which beats the bootstrap
   heuristic; within a source the later round wins;
2. `to_target`: the label in the model's variant — binary (`__label__math` / `__label__other`;
   a 0-5 score >= positive_min_score is math) or score (`__label__0` .. `__label__5`; binary weak
   labels carry no grade and are left out);
3. `split_and_balance`: a held-out evaluation split by id hash (stable across runs and rounds, so
   a page never moves from eval to train), then, in the training split only, at most
   `max_per_domain` pages per domain and the larger class cut to `max_class_ratio` x the smaller;
4. `train_fasttext`: fastText supervised on normalised text.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import random
from collections import defaultdict
from dataclasses import dataclass

from classifiers.config import FastTextConfig, LabelsConfig
from classifiers.normalise import normalise
from classifiers.signals import strip_markup

log = logging.getLogger(__name__)

MATH, OTHER = "__label__math", "__label__other"
SCORE_LABELS = [f"__label__{i}" for i in range(6)]
SOURCE_PRIORITY = {"file": 3, "llm": 2, "bootstrap": 1}


class TrainingError(Exception):
    """Labels that cannot train a model (no positives, one class ...): one line for the user."""


@dataclass
class Example:
    id: str
    text: str
    target: int  # binary: 0/1; score: 0-5
    domain: str | None
    source: str

    def is_positive(self, variant: str, positive_min_score: int) -> bool:
        return self.target >= (1 if variant == "binary" else positive_min_score)


def id_fraction(doc_id: str) -> float:
    """A stable number in [0, 1) per id (Python's hash() is salted per process)."""
    h = hashlib.blake2b(doc_id.encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def sample_rank(doc_id: str) -> float:
    """The order in which pages are sampled for labelling (LLM labels, recall rounds): stable and
    uniform like `id_fraction`, but independent of it. Sampling the smallest `id_fraction`s would
    pick exactly the pages the evaluation holds out (`id_fraction < eval_fraction`), leaving
    nothing to train on once a crawl has more than max_docs / eval_fraction pages."""
    return id_fraction("sample/" + doc_id)


def choose_labels(rows: list[dict]) -> list[dict]:
    best: dict[str, dict] = {}
    for row in rows:
        key = (SOURCE_PRIORITY.get(row["source"], 0), row.get("round") or 0)
        cur = best.get(row["id"])
        if cur is None or key >= (SOURCE_PRIORITY.get(cur["source"], 0), cur.get("round") or 0):
            best[row["id"]] = row
    return list(best.values())


def to_target(row: dict, variant: str, positive_min_score: int) -> int | None:
    if variant == "binary":
        if row["scale"] == "binary":
            return int(row["label"])
        return int(row["label"] >= positive_min_score)
    return int(row["label"]) if row["scale"] == "score" else None


def examples_from_rows(rows: list[dict], variant: str, positive_min_score: int) -> list[Example]:
    out = []
    dropped = 0
    for row in choose_labels(rows):
        target = to_target(row, variant, positive_min_score)
        if target is None:
            dropped += 1
            continue
        out.append(Example(row["id"], row["text"] or "", target, row.get("domain"), row["source"]))
    if dropped:
        log.info("classifier: %d binary label(s) left out of the 0-5 score variant", dropped)
    return sorted(out, key=lambda e: e.id)


def split_and_balance(examples: list[Example], cfg: LabelsConfig, variant: str, eval_fraction: float,
                      seed: int = 0) -> tuple[list[Example], list[Example]]:
    train = [e for e in examples if id_fraction(e.id) >= eval_fraction]
    held_out = [e for e in examples if id_fraction(e.id) < eval_fraction]
    rng = random.Random(seed)
    if cfg.max_per_domain:
        by_domain: dict[str | None, list[Example]] = defaultdict(list)
        for e in train:
            by_domain[e.domain].append(e)
        train = []
        for domain, group in sorted(by_domain.items(), key=lambda kv: str(kv[0])):
            if domain is not None and len(group) > cfg.max_per_domain:
                group = rng.sample(group, cfg.max_per_domain)
            train.extend(group)
    pos = [e for e in train if e.is_positive(variant, cfg.positive_min_score)]
    neg = [e for e in train if not e.is_positive(variant, cfg.positive_min_score)]
    if pos and neg:
        small, large = (pos, neg) if len(pos) <= len(neg) else (neg, pos)
        cap = int(len(small) * cfg.max_class_ratio)
        if len(large) > cap:
            large = rng.sample(large, cap)
        train = small + large
    rng.shuffle(train)
    return train, held_out


def fasttext_label(target: int, variant: str) -> str:
    if variant == "binary":
        return MATH if target else OTHER
    return SCORE_LABELS[target]


def training_text(text: str, ft: FastTextConfig, strip: bool) -> str:
    return normalise(strip_markup(text) if strip else text, ft.max_chars, ft.max_line_chars)


def write_fasttext_file(examples: list[Example], path: str, ft: FastTextConfig, strip: bool) -> int:
    """`__label__x tokens...` lines; returns how many were written (empty texts are skipped)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for e in examples:
            tokens = training_text(e.text, ft, strip)
            if tokens.strip():
                f.write(f"{fasttext_label(e.target, ft.variant)} {tokens}\n")
                n += 1
    return n


@contextlib.contextmanager
def zero_filled_allocations():
    """While training, have glibc zero every heap block it hands out.

    The fastText build we use (fasttext-numpy2-wheel 0.9.2) reads heap memory it never
    initialised while training: in a process whose heap holds old data (after transformers was
    imported, after an earlier training) the garbage turns into "Encountered NaN" or a silently
    different model, while a fresh process works. Reproduced with MALLOC_PERTURB_=1 (fails at any
    learning rate) vs MALLOC_PERTURB_=85 (works). glibc's M_PERTURB with byte 0xff fills each new
    block with 0x00, which gives fastText the zeros it assumes. Elsewhere (not glibc) this does
    nothing and the NaN retries below remain.
    """
    m_perturb = -6
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        yield
        return
    if mallopt(m_perturb, 0xFF) != 1:
        yield
        return
    try:
        yield
    finally:
        try:
            previous = int(os.environ.get("MALLOC_PERTURB_", "0") or 0)
        except ValueError:
            previous = 0
        mallopt(m_perturb, previous)


def train_fasttext(train_path: str, ft: FastTextConfig):
    """fastText supervised -> (model, lr used, seed used).

    Should a run still stop with "Encountered NaN" (a real divergence, or a platform where the
    allocator fix does not apply), it is retried with the next seed, then at half the learning
    rate; what was used goes into metrics.json.
    """
    import fasttext

    tries = [(ft.lr, ft.seed), (ft.lr, ft.seed + 1), (ft.lr / 2, ft.seed + 2), (ft.lr / 4, ft.seed + 3)]
    for attempt, (lr, seed) in enumerate(tries):
        try:
            with zero_filled_allocations():
                model = fasttext.train_supervised(
                    input=train_path, dim=ft.dim, lr=lr, wordNgrams=ft.word_ngrams, minCount=ft.min_count,
                    epoch=ft.epoch, bucket=ft.bucket, loss=ft.loss, thread=ft.threads or os.cpu_count() or 1,
                    seed=seed, verbose=0,
                )
            return model, lr, seed
        except RuntimeError as e:
            if "NaN" not in str(e) or attempt == len(tries) - 1:
                raise TrainingError(f"fastText training failed: {e} (lr={lr}, seed={seed})") from None
            log.warning("fastText diverged (lr=%g, seed=%d); retrying with lr=%g, seed=%d", lr, seed, *tries[attempt + 1])
    raise AssertionError("unreachable")


def save_model(model, path: str) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp"
    model.save_model(tmp)
    os.replace(tmp, path)
