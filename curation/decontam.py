"""Decontamination: drop documents that share a word n-gram (13 by default) with a benchmark item.

Benchmark items (GSM8K `question`, MATH `problem`, or the fields a config names) are normalised
like documents (lowercase, punctuation -> space, whitespace collapsed), cut into n-grams and
hashed once per task into a sorted uint64 array. A document's n-grams are hashed the same way
(curation.minhash.NgramHasher) and looked up with one `searchsorted` per batch. An item shorter
than n words is matched as a whole when it has at least `min_words` words.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field

import numpy as np

from curation.dedup.config import BenchmarkFile, DecontamConfig, TextNormalise
from curation.steps.base import OctoStep

log = logging.getLogger(__name__)
DEFAULT_FIELDS = ("question", "problem")  # GSM8K, MATH
_HASH_SEED = 13


class BenchmarkError(ValueError):
    """A benchmark file that cannot be used (missing, unreadable, no text field)."""


def _records(path: str) -> list[dict]:
    ext = os.path.splitext(path)[1].lower()
    if not os.path.isfile(path):
        raise BenchmarkError(f"{path}: no such benchmark file")
    if ext == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if ext == ".json":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if isinstance(data, dict):  # {"data": [...]} or {"split": [...]}
            data = next((v for v in data.values() if isinstance(v, list)), [])
        return [r for r in data if isinstance(r, dict)]
    if ext in (".jsonl", ".ndjson"):
        out, bad = [], 0
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    bad += 1
                    continue
                if isinstance(rec, dict):
                    out.append(rec)
                else:
                    bad += 1
        if bad:
            log.warning("%s: skipped %d lines that are not JSON objects", path, bad)
        return out
    raise BenchmarkError(f"{path}: unknown benchmark format {ext!r} (use .jsonl, .json or .parquet)")


def load_benchmark_texts(bench: BenchmarkFile, path: str | None = None) -> list[str]:
    """The text of each item of a benchmark file (its fields joined by newlines)."""
    path = path or bench.path
    texts = []
    for i, rec in enumerate(_records(path)):
        fields = bench.fields or [next((f for f in DEFAULT_FIELDS if f in rec), None)]
        if fields == [None]:
            raise BenchmarkError(f"{path}: item {i} has none of the fields {list(DEFAULT_FIELDS)}; set `fields` for benchmark {bench.name!r}")
        texts.append("\n".join(str(rec[f]) for f in fields if rec.get(f) is not None))
    if not texts:
        raise BenchmarkError(f"{path}: benchmark {bench.name!r} has no items")
    return texts


@dataclass
class _Table:
    hashes: np.ndarray  # sorted, unique
    bench: np.ndarray  # index into names
    item: np.ndarray  # item index within its benchmark


@dataclass
class Match:
    benchmark: str
    item: int
    ngram: str

    def __str__(self) -> str:
        return f"{self.benchmark}[{self.item}]: {self.ngram}"


@dataclass
class BenchmarkIndex:
    """Hashed n-grams of benchmark items, by n-gram length (n, plus short whole items)."""

    ngram: int = 13
    min_words: int | None = 8
    normalise: TextNormalise = field(default_factory=TextNormalise)

    def __post_init__(self):
        from curation.minhash import NgramHasher

        self.hasher = NgramHasher(_HASH_SEED, self.normalise)
        self.names: list[str] = []
        self._parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.tables: dict[int, _Table] = {}

    def add(self, name: str, texts: list[str]) -> None:
        b = len(self.names)
        self.names.append(name)
        words = self.hasher.words(texts)
        h, off, _ = self.hasher.ngram_hashes(words, self.ngram, short="skip")
        items = np.repeat(np.arange(len(texts)), np.diff(off))
        self._parts.setdefault(self.ngram, []).append((h, np.full(len(h), b), items))
        if self.min_words is not None and self.min_words < self.ngram:
            n_words = np.diff(words.doc_offsets)
            hw, offw, _ = self.hasher.ngram_hashes(words, self.ngram, short="whole")
            for k in np.unique(n_words[(n_words >= self.min_words) & (n_words < self.ngram)]):
                sel = np.flatnonzero(n_words == k)
                self._parts.setdefault(int(k), []).append((hw[offw[sel]], np.full(len(sel), b), sel))
        self._build()

    def _build(self) -> None:
        self.tables = {}
        for k, parts in self._parts.items():
            h = np.concatenate([p[0] for p in parts])
            bench = np.concatenate([p[1] for p in parts])
            item = np.concatenate([p[2] for p in parts])
            uniq, first = np.unique(h, return_index=True)  # first occurrence: earlier benchmark wins
            self.tables[k] = _Table(uniq, bench[first], item[first])

    def __len__(self) -> int:
        return sum(len(t.hashes) for t in self.tables.values())

    def match(self, texts: list[str]) -> list[Match | None]:
        """The first benchmark n-gram found in each text (longest n-gram length first), or None."""
        words = self.hasher.words(texts)
        out: list[Match | None] = [None] * len(texts)
        for k in sorted(self.tables, reverse=True):
            table = self.tables[k]
            h, off, first_word = self.hasher.ngram_hashes(words, k, short="skip")
            if len(h) == 0 or len(table.hashes) == 0:
                continue
            pos = np.minimum(np.searchsorted(table.hashes, h), len(table.hashes) - 1)
            hits = np.flatnonzero(table.hashes[pos] == h)
            if len(hits) == 0:
                continue
            docs = np.searchsorted(off, hits, "right") - 1
            docs, first = np.unique(docs, return_index=True)
            for d, hit in zip(docs.tolist(), hits[first].tolist()):
                if out[d] is None:
                    t = pos[hit]
                    out[d] = Match(self.names[table.bench[t]], int(table.item[t]), words.text(int(first_word[hit]), k))
        return out


def build_index(cfg: DecontamConfig, resolve=lambda p: p) -> BenchmarkIndex:
    index = BenchmarkIndex(cfg.ngram, cfg.min_words, cfg.normalise)
    for bench in cfg.benchmarks:
        index.add(bench.name, load_benchmark_texts(bench, resolve(bench.path)))
    return index


class Decontaminate(OctoStep):
    """Drops a document that shares an n-gram with a benchmark; `contaminated_by` names it."""

    name = "decontaminate"

    def __init__(self, cfg: DecontamConfig, paths: list[str] | None = None):
        super().__init__()
        self.cfg = cfg
        self.paths = paths or [b.path for b in cfg.benchmarks]  # resolved by the builder
        self.batch_size = cfg.batch_docs
        self.index: BenchmarkIndex | None = None

    def setup(self, rank: int, world_size: int) -> None:
        if self.index is None:
            resolved = dict(zip([b.path for b in self.cfg.benchmarks], self.paths))
            self.index = build_index(self.cfg, lambda p: resolved.get(p, p))
            self.stat_update("benchmark_ngrams", value=len(self.index))

    def process_batch(self, docs) -> list[str | None]:
        reasons: list[str | None] = []
        for doc, match in zip(docs, self.index.match([d.text or "" for d in docs])):
            if match is None:
                reasons.append(None)
            else:
                doc.metadata["contaminated_by"] = str(match)
                reasons.append(f"contaminated: {match.benchmark}")
        return reasons
