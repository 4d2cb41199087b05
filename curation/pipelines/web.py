"""The `web` pipeline: WARC -> URL filter -> math-aware extraction -> language ID -> quality
filters -> math classifier score -> `web/data/*.parquet`, one stats row per response record."""
from __future__ import annotations

import glob
import os
from typing import Literal

from pydantic import Field

from curation.context import PipelineContext, Stage
from curation.extract import ExtractionConfig as MathExtractionConfig
from curation.schema import PipelineBase, StrictModel


class SampleInput(StrictModel):
    pages: int = Field(default=240, ge=10)
    seed: int = 0
    files: int = Field(default=2, ge=1)


class WebInput(StrictModel):
    """Where the WARCs come from. `--input` replaces all of it with a path or glob."""

    sample: SampleInput | None = None  # the bundled sample, generated under <output>/sample/
    paths: list[str] = Field(default_factory=list)  # local paths/globs, s3://..., https://...
    crawl: str | None = None  # e.g. CC-MAIN-2024-46, expanded through its warc.paths.gz
    segments: list[str] = Field(default_factory=list)
    max_files: int | None = Field(default=None, ge=1)
    source: str | None = None  # the `source` column; default: the crawl name, else "warc"


class ReaderConfig(StrictModel):
    max_bytes: int = Field(default=2_000_000, ge=1)
    content_types: list[str] = Field(default_factory=lambda: ["text/html", "application/xhtml+xml"])
    ok_status_only: bool = True


class UrlFilterConfig(StrictModel):
    enabled: bool = True
    deny_domains: list[str] = Field(default_factory=list)
    allow_domains: list[str] = Field(default_factory=list)
    blocklist_files: list[str] = Field(default_factory=list)
    deny_substrings: list[str] = Field(default_factory=list)


class ExtractionConfig(MathExtractionConfig):
    """Which pass, and the math/layout settings of curation/extract.py (math, sup_sub, ...)."""

    mode: Literal["fast", "precise"] = "fast"  # fast: resiliparse; precise: trafilatura
    min_chars: int = Field(default=1, ge=0)


class LanguageConfig(StrictModel):
    enabled: bool = True
    languages: list[str] = Field(default_factory=lambda: ["en"])
    threshold: float = Field(default=0.65, ge=0, le=1)


class QualityConfig(StrictModel):
    enabled: bool = True
    min_words: int = Field(default=50, ge=0)
    max_words: int = Field(default=100_000, ge=1)
    gopher_repetition: bool = True
    gopher_quality: bool = True
    min_avg_word_length: float = 2.0
    max_avg_word_length: float = 12.0
    max_hash_ratio: float = 0.1
    min_alpha_word_frac: float = 0.5
    min_stop_words: int = 2


class ClassifierScoreConfig(StrictModel):
    enabled: bool = False
    model: str = "models/math_classifier/latest.bin"
    threshold: float = Field(default=0.5, ge=0, le=1)
    # keep: score nothing and keep every page while no model exists yet (the first run of the
    # recipe, before the classifier pipeline has trained one); error: stop with a clear message.
    missing: Literal["keep", "error"] = "error"


class WebConfig(PipelineBase):
    input: WebInput = Field(default_factory=WebInput)
    reader: ReaderConfig = Field(default_factory=ReaderConfig)
    url_filter: UrlFilterConfig = Field(default_factory=UrlFilterConfig)
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    language: LanguageConfig = Field(default_factory=LanguageConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    classifier: ClassifierScoreConfig = Field(default_factory=ClassifierScoreConfig)


class InputError(ValueError):
    """A missing or empty input: the CLI reports it in one line, exit 2."""


def _expand(pattern: str) -> list[str]:
    if "://" in pattern:
        return [pattern]
    if any(ch in pattern for ch in "*?["):
        return sorted(glob.glob(pattern, recursive=True))
    if os.path.isdir(pattern):
        return sorted(p for ext in ("*.warc", "*.warc.gz", "*.arc.gz") for p in glob.glob(os.path.join(pattern, "**", ext), recursive=True))
    if os.path.exists(pattern):
        return [pattern]
    raise InputError(f"input {pattern!r}: no such file or directory")


def input_files(ctx: PipelineContext) -> list[str]:
    """The WARC files this run reads, in a stable order."""
    cfg: WebConfig = ctx.pcfg
    if ctx.input_override:
        files = _expand(ctx.input_override)
    else:
        inp = cfg.input
        files = []
        if inp.sample is not None:
            from curation.sample import write_sample_warcs

            s = inp.sample
            folder = os.path.join(ctx.output, "sample")
            paths = [os.path.join(folder, f"sample-{s.seed}-{s.pages}-{k:02d}.warc.gz") for k in range(s.files)]
            if not all(os.path.exists(p) for p in paths):
                paths = write_sample_warcs(folder, pages=s.pages, seed=s.seed, files=s.files)
            files.extend(paths)
        for p in inp.paths:
            files.extend(_expand(p))
        if inp.crawl:
            from curation.warc import crawl_warc_paths

            files.extend(crawl_warc_paths(inp.crawl, inp.segments, inp.max_files))
        if inp.max_files and not inp.crawl:
            files = files[: inp.max_files]
    if not files:
        raise InputError("pipelines.web.input: no WARC files (set input.sample, input.paths or input.crawl, or pass --input)")
    return files


def build(ctx: PipelineContext) -> list[Stage]:
    from curation.docio import OutputWriter
    from curation.steps.extract import ExtractText
    from curation.steps.language import LanguageFilter
    from curation.steps.quality import QualityFilter
    from curation.steps.reader import WarcReader
    from curation.steps.urlfilter import UrlFilter

    cfg: WebConfig = ctx.pcfg
    source = cfg.input.source or cfg.input.crawl or ("sample" if cfg.input.sample and not ctx.input_override else "warc")
    r = cfg.reader
    steps: list = [
        WarcReader(input_files(ctx), source=source, max_bytes=r.max_bytes, content_types=tuple(r.content_types),
                   ok_status_only=r.ok_status_only, limit=ctx.limit)
    ]
    if cfg.url_filter.enabled:
        u = cfg.url_filter
        steps.append(UrlFilter(u.deny_domains, u.allow_domains, [ctx.resolve(p) for p in u.blocklist_files], u.deny_substrings))
    steps.append(ExtractText(cfg.extraction.mode, cfg.extraction.min_chars, cfg.extraction))
    if cfg.language.enabled:
        steps.append(LanguageFilter(cfg.language.languages, cfg.language.threshold))
    if cfg.quality.enabled:
        steps.append(QualityFilter(cfg.quality))
    if cfg.classifier.enabled:
        from classifiers.score import MathScorer

        c = cfg.classifier
        steps.append(MathScorer(model_path=ctx.resolve(c.model), threshold=c.threshold, missing=c.missing))
    for i, step in enumerate(steps[1:], start=1):
        step.step_index = i
    steps.append(OutputWriter(ctx.output, ctx.name))
    return [Stage("main", steps, tasks=ctx.tasks, workers=ctx.workers)]
