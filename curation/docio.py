"""Reading and writing octo's document and stats parquet files.

Layout (DESIGN.md): `<pipeline>/data/*.parquet` kept documents, `<pipeline>/excluded/<step>/`
dropped ones, `stats/<pipeline>/*.parquet` one row per input document. Every file is named by the
task rank and written to a temporary name first, then renamed: a task killed midway leaves no
partial file behind, and its rerun replaces, never appends — so a resumed run doubles nothing.
"""
from __future__ import annotations

import glob as globlib
import json
import os
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curation.stats import STATS_SCHEMA, stats_row
from curation.steps.base import drop_mark

DOC_SCHEMA = pa.schema(
    [("id", pa.string()), ("text", pa.string()), ("url", pa.string()), ("metadata", pa.string())]
)
ROW_GROUP = 2000


def public_metadata(doc: Document) -> dict:
    return {k: v for k, v in doc.metadata.items() if not k.startswith("_")}


def doc_record(doc: Document) -> dict:
    md = public_metadata(doc)
    return {"id": doc.id, "text": doc.text, "url": md.get("url"), "metadata": json.dumps(md, default=str)}


class AtomicParquet:
    """A parquet file written in row groups to `path.tmp`, renamed to `path` on close."""

    def __init__(self, path: str, schema: pa.Schema):
        self.path, self.schema = path, schema
        self.tmp = f"{path}.tmp"
        self.rows: list[dict] = []
        self.writer: pq.ParquetWriter | None = None
        self.count = 0

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self.writer is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
        os.replace(self.tmp, self.path)


class OutputWriter(PipelineStep):
    """Last step of a pipeline: kept docs to data/, dropped to excluded/<step>/, a stats row each.

    Every document gets its stats row; an empty task still writes an empty stats file so a
    completed rank is visible in the output.
    """

    type = "💽 - WRITER"
    name = "octo output"

    def __init__(self, output: str, pipeline: str, write_data: bool = True):
        super().__init__()
        self.output, self.pipeline, self.write_data = output, pipeline, write_data

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        name = f"{rank:05d}.parquet"
        stats = AtomicParquet(os.path.join(self.output, "stats", self.pipeline, name), STATS_SCHEMA)
        kept = AtomicParquet(os.path.join(self.output, self.pipeline, "data", name), DOC_SCHEMA)
        excluded: dict[str, AtomicParquet] = {}
        for doc in data or ():
            stats.add(stats_row(doc, self.pipeline))
            mark = drop_mark(doc)
            if mark:
                step = mark["step"]
                if step not in excluded:
                    path = os.path.join(self.output, self.pipeline, "excluded", step, name)
                    excluded[step] = AtomicParquet(path, DOC_SCHEMA)
                rec = doc_record(doc)
                rec["metadata"] = json.dumps({**public_metadata(doc), "dropped_by": step, "reason": mark["reason"]}, default=str)
                excluded[step].add(rec)
                self.stat_update("excluded", f"excluded:{step}")
            else:
                if self.write_data:
                    kept.add(doc_record(doc))
                self.stat_update("written")
            yield doc
        for w in excluded.values():
            w.close()
        if self.write_data:
            kept.close()
        stats.close()


def doc_from_record(rec: dict) -> Document:
    md = rec.get("metadata")
    if isinstance(md, str):
        try:
            md = json.loads(md) if md else {}
        except json.JSONDecodeError:
            md = {"raw_metadata": md}
    md = dict(md or {})
    if rec.get("url") and not md.get("url"):
        md["url"] = rec["url"]
    # Extra top-level columns a user brought travel in metadata.
    for k, v in rec.items():
        if k not in ("id", "text", "url", "metadata") and k not in md:
            md[k] = v
    return Document(text=rec.get("text") or "", id=str(rec["id"]), metadata=md)


def list_parquet(folder: str) -> list[str]:
    return sorted(globlib.glob(os.path.join(folder, "*.parquet")))


class ParquetDocReader(PipelineStep):
    """Reads `<pipeline>/data/*.parquet` (ours, or a user's with `id, text, url, metadata`).

    Files are sharded across tasks by index; `limit` caps documents per task.
    """

    type = "📖 - READER"
    name = "octo parquet"

    def __init__(self, folder: str, limit: int | None = None, batch_rows: int = 1000):
        super().__init__()
        self.folder, self.limit, self.batch_rows = folder, limit, batch_rows

    def read_file(self, path: str) -> Iterator[Document]:
        pf = pq.ParquetFile(path)
        cols = pf.schema_arrow.names
        missing = {"id", "text"} - set(cols)
        if missing:
            raise ValueError(f"{path}: parquet lacks column(s) {sorted(missing)} (need id, text, url, metadata)")
        for batch in pf.iter_batches(batch_size=self.batch_rows):
            for rec in batch.to_pylist():
                yield doc_from_record(rec)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        files = list_parquet(self.folder)[rank::world_size]
        n = 0
        for path in files:
            for doc in self.read_file(path):
                if self.limit is not None and n >= self.limit:
                    return
                n += 1
                self.stat_update("documents")
                yield doc
