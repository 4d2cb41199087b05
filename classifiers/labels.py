"""Label sources of the math classifier and the label table they write.

A label row says: this page (id, text, domain) is math or not (`scale` binary, label 0/1), or
scores 0-5 (`scale` score), according to `source` (bootstrap | llm | file), with the annotator
and prompt version that produced it. Rows live in `classifier/work/labels/round_<k>/*.parquet`;
training reads every round up to its own (train.py picks one label per page).

Sources:
- `BootstrapLabels` (step): weak labels from markup and math-dense text — positives are pages
  with strong markup *and* math text, or very math-dense text; negatives are pages with almost no
  math signal (hard negatives carrying MathJax but no math text included); the rest stay unlabelled;
- `LLMLabels` (annotate.py): 0-5 scores from an LLM;
- `read_label_files`: jsonl/parquet files a user brings.
"""
from __future__ import annotations

import glob as globlib
import json
import logging
import os
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from classifiers.config import BootstrapLabelsConfig
from classifiers.signals import math_signals

log = logging.getLogger(__name__)

LABEL_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("label", pa.int8()),  # binary: 0/1; score: 0-5
        ("scale", pa.string()),  # 'binary' | 'score'
        ("source", pa.string()),  # 'bootstrap' | 'llm' | 'file'
        ("annotator", pa.string()),  # model name, file path, or the heuristic's name
        ("prompt_version", pa.string()),  # prompt_hash of the LLM prompt
        ("domain", pa.string()),
        ("url", pa.string()),
        ("round", pa.int32()),
        ("detail", pa.string()),  # JSON: signals, or the raw LLM answer
    ]
)
BOOTSTRAP_ANNOTATOR = "markup+text-density/v1"
# Metadata key where label sources attach their rows to a document travelling through a stage.
LABELS_KEY = "_labels"


def doc_domain(doc: Document) -> str | None:
    md = doc.metadata
    if md.get("domain"):
        return str(md["domain"])
    url = md.get("url")
    return urlparse(url).hostname if url else None


def label_row(doc: Document, label: int, scale: str, source: str, annotator: str, round_: int,
              prompt_version: str | None = None, detail: dict | str | None = None) -> dict:
    return {
        "id": doc.id,
        "text": doc.text,
        "label": int(label),
        "scale": scale,
        "source": source,
        "annotator": annotator,
        "prompt_version": prompt_version,
        "domain": doc_domain(doc),
        "url": doc.metadata.get("url"),
        "round": round_,
        "detail": detail if isinstance(detail, str) or detail is None else json.dumps(detail, sort_keys=True),
    }


def attach_label(doc: Document, row: dict) -> None:
    doc.metadata.setdefault(LABELS_KEY, []).append(row)


def bootstrap_label(text: str, markup: int, cfg: BootstrapLabelsConfig) -> tuple[int | None, dict]:
    """1 (math), 0 (not math) or None (unsure: left unlabelled), with the signals behind it."""
    sig = math_signals(text)
    density = sig.density
    if markup >= cfg.min_markup and density >= cfg.markup_min_density:
        label = 1
    elif density >= cfg.text_min_density:
        label = 1
    elif density <= cfg.negative_max_density and sig.latex_commands == 0:
        label = 0
    else:
        label = None
    return label, {**sig.as_dict(), "markup": markup}


class BootstrapLabels(PipelineStep):
    """Attaches a weak math/not-math label to each page whose signals are clear."""

    type = "🏷️ - LABEL"
    name = "bootstrap labels"

    def __init__(self, cfg: BootstrapLabelsConfig, round_: int = 0):
        super().__init__()
        self.cfg, self.round = cfg, round_

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            with self.track_time():
                markup = doc.metadata.get("math_markup") or 0
                try:
                    markup = int(markup)
                except (TypeError, ValueError):
                    markup = 0
                label, signals = bootstrap_label(doc.text, markup, self.cfg)
                if label is None:
                    self.stat_update("unlabelled")
                else:
                    self.stat_update("positive" if label else "negative")
                    attach_label(doc, label_row(doc, label, "binary", "bootstrap", BOOTSTRAP_ANNOTATOR,
                                                self.round, detail=signals))
            yield doc


class LabelWriter(PipelineStep):
    """Last step of a labels stage: the attached label rows -> `<folder>/<rank>.parquet`."""

    type = "💽 - WRITER"
    name = "label writer"

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from curation.docio import AtomicParquet

        out = AtomicParquet(os.path.join(self.folder, f"{rank:05d}.parquet"), LABEL_SCHEMA)
        for doc in data or ():
            for row in doc.metadata.pop(LABELS_KEY, None) or ():
                out.add(row)
                self.stat_update(f"{row['source']}:{row['label']}")
            yield doc
        out.close()


def read_label_dirs(folders: list[str]) -> list[dict]:
    rows: list[dict] = []
    for folder in folders:
        for path in sorted(globlib.glob(os.path.join(folder, "*.parquet"))):
            rows.extend(pq.read_table(path, schema=LABEL_SCHEMA).to_pylist())
    return rows


# --- labelled files a user brings -------------------------------------------------------------

_BINARY_WORDS = {"math": 1, "positive": 1, "pos": 1, "true": 1, "yes": 1,
                 "other": 0, "non-math": 0, "nonmath": 0, "not_math": 0, "negative": 0, "neg": 0,
                 "false": 0, "no": 0}


def _parse_file_label(value) -> int | None:
    """A label as an int (0-5), from ints, floats, bools, '__label__math' style strings."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        v = round(float(value))
        return v if 0 <= v <= 5 else None
    if isinstance(value, str):
        s = value.strip().lower().removeprefix("__label__")
        if s in _BINARY_WORDS:
            return _BINARY_WORDS[s]
        try:
            return _parse_file_label(float(s))
        except ValueError:
            return None
    return None


def _iter_records(path: str):
    if path.endswith(".parquet"):
        yield from pq.read_table(path).to_pylist()
        return
    opener = open
    if path.endswith(".gz"):
        import gzip

        opener = gzip.open
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                yield {"_bad_line": n}


def read_label_files(patterns: list[str], round_: int = 0) -> tuple[list[dict], int]:
    """User label files -> label rows; returns (rows, skipped). A missing file is an error.

    A file whose labels are all 0/1 (or words like math/other) is binary; one with any label in
    2-5 is a 0-5 score file.
    """
    rows: list[dict] = []
    skipped = 0
    for pattern in patterns:
        paths = sorted(globlib.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
        if not paths or not all(os.path.isfile(p) for p in paths):
            raise FileNotFoundError(f"classifier label file not found: {pattern}")
        for path in paths:
            parsed = []
            for i, rec in enumerate(_iter_records(path)):
                text = rec.get("text") if isinstance(rec, dict) else None
                label = _parse_file_label(rec.get("label")) if isinstance(rec, dict) else None
                if not isinstance(text, str) or not text.strip() or label is None:
                    skipped += 1
                    continue
                parsed.append((i, rec, text, label))
            scale = "score" if any(lab > 1 for *_, lab in parsed) else "binary"
            base = os.path.basename(path)
            for i, rec, text, label in parsed:
                url = rec.get("url")
                doc = Document(text=text, id=str(rec.get("id") or f"{base}:{i}"),
                               metadata={"url": url, "domain": rec.get("domain")})
                rows.append(label_row(doc, label, scale, "file", path, round_))
    if skipped:
        log.warning("classifier label files: skipped %d record(s) without text or a valid label", skipped)
    return rows, skipped


def write_label_rows(rows: list[dict], path: str) -> None:
    from curation.docio import AtomicParquet

    out = AtomicParquet(path, LABEL_SCHEMA)
    for row in rows:
        out.add(row)
    out.close()
