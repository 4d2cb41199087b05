"""Stage 3 of dedup: connected components of the duplicate edges, and one survivor per cluster.

Union-find over integer document indices in one numpy array (8 bytes per document, a memmap on
disk past `memmap_above` documents), fed edge files in chunks: memory does not grow with the
number of edges, and no Python object exists per document. Only the clustered documents' keys
are read back (numeric columns of docs.parquet). The survivor of a cluster is the first by a
total order — each `keep` key descending (math_score, length, crawl_date), then the smallest
document id — so it does not depend on task counts or reading order.
"""
from __future__ import annotations

import json
import os
from typing import Callable, Iterable, Iterator

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curation.dedup.store import WorkDir, _map

EDGE_CHUNK = 1 << 20  # pairs per chunk: bounds the temporaries of a sweep


def _roots_of(parent: np.ndarray, x: np.ndarray) -> np.ndarray:
    r = parent[x]
    while True:
        up = parent[r]
        if np.array_equal(up, r):
            return r
        r = up


def _compress(parent: np.ndarray, chunk: int = 1 << 24) -> None:
    """Point every index at its root (pointer jumping, chunked to bound temporaries)."""
    for lo in range(0, len(parent), chunk):
        hi = min(lo + chunk, len(parent))
        parent[lo:hi] = _roots_of(parent, np.arange(lo, hi))


def connected_components(n: int, edge_chunks: Callable[[], Iterable[np.ndarray]], parent: np.ndarray | None = None) -> np.ndarray:
    """Label of each of n nodes = the smallest node index in its component.

    `edge_chunks()` yields (pairs, 2) integer arrays and is called once per sweep. Each sweep
    hooks the larger of two different roots under the smaller (parent[x] <= x always holds, so
    no cycles), then compresses paths; sweeps repeat until no edge joins two roots.
    """
    if parent is None:
        parent = np.arange(n, dtype=np.int64)
    else:
        parent[:] = np.arange(n, dtype=np.int64)
    while True:
        hooked = 0
        for chunk in edge_chunks():
            if len(chunk) == 0:
                continue
            ru = _roots_of(parent, chunk[:, 0].astype(np.int64))
            rv = _roots_of(parent, chunk[:, 1].astype(np.int64))
            diff = ru != rv
            if not diff.any():
                continue
            hooked += int(diff.sum())
            np.minimum.at(parent, np.maximum(ru[diff], rv[diff]), np.minimum(ru[diff], rv[diff]))
        _compress(parent)
        if hooked == 0:
            return parent


def edge_file_chunks(paths: list[str]) -> Callable[[], Iterator[np.ndarray]]:
    def chunks() -> Iterator[np.ndarray]:
        for path in paths:
            edges = _map(path, np.uint64, 2)
            for lo in range(0, len(edges), EDGE_CHUNK):
                yield np.asarray(edges[lo : lo + EDGE_CHUNK])

    return chunks


# keep key -> docs.parquet column (numeric, higher is better; null is worst).
KEEP_COLUMNS = {"math_score": "math_score", "length": "length", "crawl_date": "crawl_time"}


def choose_survivors(root: np.ndarray, keys: list[np.ndarray], id_of: Callable[[np.ndarray], list[str]]) -> np.ndarray:
    """For rows grouped by `root`, the row index of each row's survivor.

    keys: float arrays, higher first, NaN last. A tie on every key goes to the smallest id;
    `id_of(rows)` fetches ids only for the rows of tied groups, so ids stay on disk otherwise.
    """
    cols = [np.where(np.isnan(k), np.inf, -k) for k in keys]  # ascending sort, NaN (missing) last
    order = np.lexsort(tuple(reversed(cols)) + (root,)) if cols else np.lexsort((root,))
    sroot = root[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = sroot[1:] != sroot[:-1]
    group = np.cumsum(start) - 1
    head = order[start]  # best row of each group by the keys
    survivor_of_group = head.copy()
    # Rows that tie with their group's head on every key.
    tie = ~start
    for c in cols:
        tie &= c[order] == c[head[group]]
    tied_groups = np.unique(group[tie])
    if len(tied_groups):
        tied = np.isin(group, tied_groups) & (tie | start)  # by sorted position
        rows, groups = order[tied], group[tied]
        by_group: dict[int, tuple[str, int]] = {}
        for g, row, doc_id in zip(groups.tolist(), rows.tolist(), id_of(rows)):
            best = by_group.get(g)
            if best is None or doc_id < best[0]:
                by_group[g] = (doc_id, row)
        for g, (_, row) in by_group.items():
            survivor_of_group[g] = row
    out = np.empty(len(root), dtype=np.int64)
    out[order] = survivor_of_group[group]
    return out


class DuplicateClusters(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🔗 duplicate clusters"

    def __init__(self, work_dir: str, sig_tasks: int, partitions: list[str], keep: list[str], memmap_above: int = 200_000_000):
        super().__init__()
        self.work_dir, self.sig_tasks, self.keep = work_dir, sig_tasks, list(keep)
        self.partitions = list(partitions)
        self.memmap_above = memmap_above

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if rank != 0:  # a single task holds the whole graph
            return
        with self.track_time():
            self._cluster()
        yield from ()

    def _parent_array(self, work: WorkDir, n: int) -> np.ndarray | None:
        if n <= self.memmap_above:
            return None
        path = os.path.join(work.root, "clusters", "parent.bin")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return np.memmap(path, dtype=np.int64, mode="w+", shape=(n,))

    def _cluster(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        work = WorkDir(self.work_dir)
        offsets = work.offsets(self.sig_tasks)
        n = int(offsets[-1])
        edge_paths = [work.edges_path(p) for p in self.partitions]
        missing = [p for p in edge_paths if not os.path.exists(p)]
        if missing:
            raise FileNotFoundError(f"{missing[0]}: edges of a bucket partition are missing (rerun the buckets stage)")
        roots = connected_components(n, edge_file_chunks(edge_paths), self._parent_array(work, n))
        sizes = np.bincount(roots, minlength=n)
        clustered = np.flatnonzero(sizes[roots] > 1)  # sorted global indices
        del sizes
        rank_of = np.searchsorted(offsets, clustered, "right") - 1

        def column(name: str, dtype) -> np.ndarray:
            """`name` of every clustered document, read rank by rank."""
            out = np.empty(len(clustered), dtype=dtype)
            for r in np.unique(rank_of):
                sel = np.flatnonzero(rank_of == r)
                values = pq.read_table(work.docs_table(r), columns=[name]).column(name)
                picked = values.take(pa.array(clustered[sel] - offsets[r]))
                out[sel] = picked.to_numpy(zero_copy_only=False) if dtype is not object else picked.to_pylist()
            return out

        def id_of(rows: np.ndarray) -> list[str]:
            ids = np.empty(len(rows), dtype=object)
            for r in np.unique(rank_of[rows]):
                sel = np.flatnonzero(rank_of[rows] == r)
                table = pq.read_table(work.docs_table(r), columns=["id"]).column("id")
                ids[sel] = table.take(pa.array(clustered[rows[sel]] - offsets[r])).to_pylist()
            return ids.tolist()

        keys = [column(KEEP_COLUMNS[k], np.float64) for k in self.keep]
        root = roots[clustered]
        del roots
        survivor = choose_survivors(root, keys, id_of)  # row (index into clustered) of the survivor
        del keys
        _, inverse, counts = np.unique(root, return_inverse=True, return_counts=True)
        size = counts[inverse]
        exact = self._exact_hashes(work, offsets, clustered)
        decision = np.full(len(clustered), 2, dtype=np.int8)  # 0 keep, 1 exact, 2 near
        if exact is not None:
            decision[exact == exact[survivor]] = 1
        decision[survivor == np.arange(len(clustered))] = 0
        survivors = np.unique(survivor)
        survivor_ids = dict(zip(survivors.tolist(), id_of(survivors)))
        id_hash = column("id_hash", np.uint64)
        names = np.array(["keep", "exact", "near"], dtype=object)
        schema = pa.schema([("row", pa.int64()), ("id_hash", pa.uint64()), ("dup_cluster", pa.string()), ("dup_cluster_size", pa.int64()), ("decision", pa.string())])
        for r in range(self.sig_tasks):
            sel = np.flatnonzero(rank_of == r)
            table = pa.table(
                {
                    "row": clustered[sel] - offsets[r],
                    "id_hash": id_hash[sel],
                    "dup_cluster": [survivor_ids[s] for s in survivor[sel].tolist()],
                    "dup_cluster_size": size[sel].astype(np.int64),
                    "decision": names[decision[sel]].tolist(),
                },
                schema=schema,
            )
            path = work.clusters_path(r)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            pq.write_table(table, f"{path}.tmp")
            os.replace(f"{path}.tmp", path)
        summary = {
            "documents": n,
            "clustered": len(clustered),
            "clusters": len(survivors),
            "exact_dropped": int((decision == 1).sum()),
            "near_dropped": int((decision == 2).sum()),
        }
        self.stat_update("clusters", value=summary["clusters"])
        self.stat_update("clustered", value=summary["clustered"])
        with open(work.summary_path() + ".tmp", "w", encoding="utf-8") as f:
            json.dump(summary, f)
        os.replace(work.summary_path() + ".tmp", work.summary_path())

    def _exact_hashes(self, work: WorkDir, offsets: np.ndarray, clustered: np.ndarray) -> np.ndarray | None:
        """Hash of the normalised text of each clustered document (None without exact dedup)."""
        if self.sig_tasks == 0 or not all(work.meta(r)["exact"] for r in range(self.sig_tasks)):
            return None
        out = np.zeros(len(clustered), dtype=np.uint64)  # no words: never an exact duplicate
        for r in range(self.sig_tasks if len(clustered) else 0):
            keys, refs = work.sorted_range(r, "exact", 0, None)
            gidx = offsets[r] + refs[:, 1].astype(np.int64)
            pos = np.searchsorted(clustered, gidx)
            hit = (pos < len(clustered)) & (clustered[np.minimum(pos, len(clustered) - 1)] == gidx)
            out[pos[hit]] = keys[hit]
        return out
