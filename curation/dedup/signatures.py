"""Stage 1 of dedup: per input shard, MinHash signatures, LSH band keys and exact-text hashes.

Each task writes `work/signatures/<rank>/` (store.py) and nothing else; the folder appears only
when the task completes, so a rerun after a crash starts the shard over cleanly.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curation.dedup.config import ExactDedupConfig, MinhashConfig
from curation.dedup.store import WorkDir, write_array


def crawl_date_of(md: dict) -> str | None:
    value = md.get("crawl_date") or md.get("date")
    return str(value) if value else None


def crawl_time_of(date: str | None) -> float | None:
    """Seconds since the epoch of an ISO date (WARC-Date), None when absent or unparseable."""
    if not date:
        return None
    text = date.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def math_score_of(md: dict) -> float | None:
    value = md.get("math_score")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def text_batches(docs, max_docs: int, max_chars: int = 8_000_000):
    """Lists of documents of at most max_docs documents or (past the first) max_chars characters:
    the vectorised hashing holds a few bytes of index per character of a batch."""
    batch, chars = [], 0
    for doc in docs:
        if batch and (len(batch) >= max_docs or chars + len(doc.text or "") > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(doc)
        chars += len(doc.text or "")
    if batch:
        yield batch


class MinhashSignatures(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🎯 minhash signatures"

    def __init__(self, work_dir: str, minhash: MinhashConfig | None, exact: ExactDedupConfig | None):
        super().__init__()
        self.work_dir = work_dir
        self.minhash = minhash if minhash and minhash.enabled else None
        self.exact = exact if exact and exact.enabled else None
        self.batch_docs = minhash.batch_docs if minhash else 256

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from curation.minhash import MinHasher, Normaliser, band_keys, exact_hashes, stable_id_hash

        work = WorkDir(self.work_dir)
        tmp = work.begin_signatures(rank)
        mh, bands = None, 0
        if self.minhash:
            c = self.minhash
            mh = MinHasher(c.num_perm, c.ngram, c.seed, c.hash_bits, c.scheme, c.normalise)
            bands = c.bands
        exact_norm = Normaliser(self.exact.normalise) if self.exact else None
        names = [f"band_{b:03d}" for b in range(bands)] + (["exact"] if self.exact else [])
        unsorted = {n: open(os.path.join(tmp, f"{n}.unsorted"), "wb") for n in names}
        sig_file = open(os.path.join(tmp, "sig.bin"), "wb")
        schema = pa.schema(
            [("id", pa.string()), ("id_hash", pa.uint64()), ("math_score", pa.float64()), ("length", pa.int64()), ("crawl_date", pa.string()), ("crawl_time", pa.float64())]
        )
        docs_writer = pq.ParquetWriter(os.path.join(tmp, "docs.parquet"), schema, compression="zstd")
        n = 0
        with self.track_time():
            for batch in text_batches(data or (), self.batch_docs):
                texts = [d.text or "" for d in batch]
                ids = [str(d.id) for d in batch]
                id_hash = stable_id_hash(ids)
                local = np.arange(n, n + len(batch), dtype=np.uint64)
                if mh is not None:
                    sig, has_sig = mh.signatures(texts)
                    sig_file.write(sig.tobytes())
                    keys = band_keys(sig, c.bands, c.rows, c.seed)
                    for b in range(bands):
                        rows = np.column_stack((keys[has_sig, b], id_hash[has_sig], local[has_sig]))
                        unsorted[names[b]].write(rows.tobytes())
                    self.stat_update("no_signature", value=int((~has_sig).sum()))
                if exact_norm is not None:
                    text_hash, has_words = exact_hashes(texts, exact_norm)
                    rows = np.column_stack((text_hash[has_words], id_hash[has_words], local[has_words]))
                    unsorted["exact"].write(rows.tobytes())
                dates = [crawl_date_of(d.metadata) for d in batch]
                table = pa.table(
                    {
                        "id": ids,
                        "id_hash": id_hash,
                        "math_score": [math_score_of(d.metadata) for d in batch],
                        "length": [len(t) for t in texts],
                        "crawl_date": dates,
                        "crawl_time": [crawl_time_of(x) for x in dates],
                    },
                    schema=schema,
                )
                docs_writer.write_table(table)
                n += len(batch)
                self.stat_update("documents", value=len(batch))
            docs_writer.close()
            sig_file.close()
            for name, f in unsorted.items():
                f.close()
                self._sort_run(tmp, name)
            meta = {
                "documents": n,
                "num_perm": mh.num_perm if mh else 0,
                "sig_dtype": np.dtype(mh.dtype).name if mh else "uint64",
                "bands": bands,
                "rows": self.minhash.rows if self.minhash else 0,
                "exact": self.exact is not None,
            }
            with open(os.path.join(tmp, "meta.json"), "w", encoding="utf-8") as f:
                json.dump(meta, f)
            work.commit_signatures(rank)
        yield from ()

    @staticmethod
    def _sort_run(folder: str, name: str) -> None:
        """Sort one band's (key, id hash, row) triples by key then id hash into .keys/.refs."""
        path = os.path.join(folder, f"{name}.unsorted")
        rows = np.fromfile(path, dtype=np.uint64).reshape(-1, 3)
        order = np.lexsort((rows[:, 1], rows[:, 0]))
        rows = rows[order]
        write_array(os.path.join(folder, f"{name}.keys"), rows[:, 0])
        write_array(os.path.join(folder, f"{name}.refs"), rows[:, 1:3])
        os.remove(path)
