"""Layout of the dedup work folder, and atomic reads/writes of its files.

```
<output>/dedup/work/
  signatures/<rank>/      one folder per signatures task, renamed into place when complete
    meta.json             documents, signature width and dtype, bands
    docs.parquet          one row per document in reader order: id, id_hash, math_score, length,
                          crawl_date, crawl_time (epoch seconds)
    sig.bin               (documents, num_perm) MinHash values, for candidate verification
    band_<b>.keys/.refs   LSH key of band b per document, sorted by (key, id hash); refs = (id hash,
                          row) — sorted runs, so a bucket task reads one key range by binary search
    exact.keys/.refs      the same for the hash of the normalised text (exact duplicates)
  edges/<partition>.bin   (pairs, 2) global document indices that are duplicates
  clusters/<rank>.parquet clustered documents of signatures task <rank>: row, id_hash, dup_cluster,
                          dup_cluster_size, decision (keep | exact | near)
```
A document's global index is its row plus the documents of all lower ranks. Files are raw
little-endian arrays, read with np.memmap, so no stage holds more than it works on. The folder
must be on a filesystem every task sees (shared disk on Slurm/Ray clusters).
"""
from __future__ import annotations

import json
import os
import shutil

import numpy as np


def _map(path: str, dtype, cols: int = 1) -> np.ndarray:
    """Read-only view of a raw array file (an empty file gives an empty array)."""
    size = os.path.getsize(path)
    if size == 0:
        return np.zeros((0, cols) if cols > 1 else 0, dtype=dtype)
    mm = np.memmap(path, dtype=dtype, mode="r")
    return mm.reshape(-1, cols) if cols > 1 else mm


def write_array(path: str, arr: np.ndarray) -> None:
    """Write a raw array to `path` atomically (tmp + rename): a rerun replaces, never appends."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(np.ascontiguousarray(arr).tobytes())
    os.replace(tmp, path)


class WorkDir:
    def __init__(self, root: str):
        self.root = root

    # -- signatures stage
    def signatures_dir(self, rank: int) -> str:
        return os.path.join(self.root, "signatures", f"{rank:05d}")

    def begin_signatures(self, rank: int) -> str:
        tmp = self.signatures_dir(rank) + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        return tmp

    def commit_signatures(self, rank: int) -> None:
        final = self.signatures_dir(rank)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(final + ".tmp", final)

    def meta(self, rank: int) -> dict:
        path = os.path.join(self.signatures_dir(rank), "meta.json")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{self.signatures_dir(rank)}: signatures of task {rank} are missing (rerun the signatures stage)")
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def offsets(self, ranks: int) -> np.ndarray:
        """Global index of each rank's first document; offsets[-1] is the total."""
        counts = [self.meta(r)["documents"] for r in range(ranks)]
        return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))

    def sorted_range(self, rank: int, name: str, lo: int, hi: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(keys, refs) of `name` (band_003, exact) with lo <= key < hi (hi None: no upper bound)."""
        base = os.path.join(self.signatures_dir(rank), name)
        keys = _map(base + ".keys", np.uint64)
        refs = _map(base + ".refs", np.uint64, 2)
        i0 = int(np.searchsorted(keys, np.uint64(lo), "left"))
        i1 = len(keys) if hi is None else int(np.searchsorted(keys, np.uint64(hi), "left"))
        return np.array(keys[i0:i1]), np.array(refs[i0:i1])

    def docs_table(self, rank: int) -> str:
        return os.path.join(self.signatures_dir(rank), "docs.parquet")

    # -- buckets stage
    def edges_path(self, partition: str) -> str:
        return os.path.join(self.root, "edges", f"{partition}.bin")

    # -- clusters stage
    def clusters_path(self, rank: int) -> str:
        return os.path.join(self.root, "clusters", f"{rank:05d}.parquet")

    def summary_path(self) -> str:
        return os.path.join(self.root, "clusters", "summary.json")


class SignatureStore:
    """Signature rows by global document index, gathered from every rank's sig.bin."""

    def __init__(self, work: WorkDir, ranks: int):
        self.offsets = work.offsets(ranks)
        self.metas = [work.meta(r) for r in range(ranks)]
        self.maps = []
        for r, meta in enumerate(self.metas):
            path = os.path.join(work.signatures_dir(r), "sig.bin")
            self.maps.append(_map(path, np.dtype(meta["sig_dtype"]), meta["num_perm"]) if meta["num_perm"] else None)
        self.num_perm = self.metas[0]["num_perm"] if self.metas else 0
        self.dtype = np.dtype(self.metas[0]["sig_dtype"]) if self.metas else np.uint64

    def rows(self, gidx: np.ndarray) -> np.ndarray:
        out = np.empty((len(gidx), self.num_perm), dtype=self.dtype)
        rank = np.searchsorted(self.offsets, gidx, "right") - 1
        for r in np.unique(rank):
            sel = np.flatnonzero(rank == r)
            local = gidx[sel].astype(np.int64) - self.offsets[r]
            order = np.argsort(local, kind="stable")  # read the file forwards
            out[sel[order]] = self.maps[r][local[order]]
        return out
