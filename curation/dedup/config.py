"""Config of the `dedup` pipeline (`pipelines.dedup` in pipelines.yaml).

Defaults are MegaMath's: exact dedup first, then MinHash LSH with 11 bands x 10 rows (110
permutations, threshold ~ (1/11)^(1/10) ~ 0.79 Jaccard) over word 5-grams, then 13-gram
decontamination against the evaluation benchmarks.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from curation.schema import PipelineBase, StrictModel


class TextNormalise(StrictModel):
    """How text is normalised before it is cut into words (MinHash, exact dedup, decontamination)."""

    lowercase: bool = True
    unicode: Literal["nfkc", "none"] = "nfkc"
    # space: punctuation and symbols separate words ("x+y=3" -> "x y 3"); keep: they are word bytes.
    punctuation: Literal["space", "keep"] = "space"
    digits: Literal["keep", "zero"] = "keep"  # zero: every digit becomes 0


class ExactDedupConfig(StrictModel):
    enabled: bool = True
    # Punctuation is kept: "x+y=3" and "x-y=3" are not the same document.
    normalise: TextNormalise = Field(default_factory=lambda: TextNormalise(punctuation="keep"))


class MinhashConfig(StrictModel):
    enabled: bool = True
    bands: int = Field(default=11, ge=1)
    rows: int = Field(default=10, ge=1)
    ngram: int = Field(default=5, ge=1, le=64)
    seed: int = Field(default=1, ge=0)
    hash_bits: Literal[32, 64] = 64
    # affine: h -> a*fmix(h)+b mod 2^bits (datasketch >= 2 default); mersenne: (a*h+b) mod 2^61-1
    # (datasketch "legacy", datatrove). Both match datasketch bit for bit.
    scheme: Literal["affine", "mersenne"] = "affine"
    normalise: TextNormalise = Field(default_factory=TextNormalise)
    # None: every pair sharing a band is a duplicate (MegaMath). A number: a pair sharing a band
    # is merged only if its signature-estimated Jaccard reaches it (removes LSH false positives).
    verify_threshold: float | None = Field(default=None, ge=0, le=1)
    # Each band's key space is cut into this many ranges, one bucket partition each: a bucket
    # task holds (documents / key_ranges) keys of one band in memory.
    key_ranges: int = Field(default=1, ge=1)
    batch_docs: int = Field(default=256, ge=1)

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


class BenchmarkFile(StrictModel):
    name: str
    path: str  # local .jsonl / .json / .parquet
    # Text fields of a record; None: `question` (GSM8K) or `problem` (MATH), whichever it has.
    fields: list[str] | None = None


class DecontamConfig(StrictModel):
    enabled: bool = True
    ngram: int = Field(default=13, ge=1, le=64)
    # A benchmark item with fewer than `ngram` words is matched whole when it has at least this
    # many words; shorter ones are skipped (None: skip every short item).
    min_words: int | None = Field(default=8, ge=1)
    normalise: TextNormalise = Field(default_factory=TextNormalise)
    benchmarks: list[BenchmarkFile] = Field(default_factory=list)
    batch_docs: int = Field(default=64, ge=1)

    @field_validator("benchmarks")
    @classmethod
    def _unique_names(cls, v: list[BenchmarkFile]) -> list[BenchmarkFile]:
        names = [b.name for b in v]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"benchmark names must be unique, repeated: {sorted(dup)}")
        return v


KeepKey = Literal["math_score", "length", "crawl_date"]


class DedupConfig(PipelineBase):
    depends_on: list[str] = Field(default_factory=lambda: ["web"])
    exact: ExactDedupConfig = Field(default_factory=ExactDedupConfig)
    minhash: MinhashConfig = Field(default_factory=MinhashConfig)
    # Survivor of a cluster: highest first by each key in turn, then the smallest document id.
    keep: list[KeepKey] = Field(default_factory=lambda: ["math_score", "length", "crawl_date"])
    decontaminate: DecontamConfig = Field(default_factory=DecontamConfig)
    # Tasks of the buckets stage; None: one per partition (1 exact + bands * key_ranges).
    bucket_tasks: int | None = Field(default=None, ge=1)

    @field_validator("keep")
    @classmethod
    def _no_repeats(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("keep: a key is listed twice")
        return v
