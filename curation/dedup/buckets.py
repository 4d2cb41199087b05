"""Stage 2 of dedup: LSH buckets -> duplicate edges, one task per partition (band x key range).

A partition gathers one band's keys in one key range from every signatures task (sorted runs,
so each read is a binary search plus a slice), sorts them by (key, id hash) and links every
document of a bucket to the bucket's first document. The id hash, not the reading order, picks
that first document, so the edges do not depend on how many tasks read the input.
The `exact` partition does the same with the hashes of the normalised texts.
"""
from __future__ import annotations

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curation.dedup.store import SignatureStore, WorkDir, write_array

_VERIFY_CHUNK = 32768  # pairs whose signatures are compared at once
_MAX_VERIFY_ROUNDS = 32


def partition_name(source: str, q: int) -> str:
    return f"{source}_q{q:03d}"


def key_range(q: int, ranges: int) -> tuple[int, int | None]:
    lo = q * (1 << 64) // ranges
    return lo, (None if q == ranges - 1 else (q + 1) * (1 << 64) // ranges)


def _star_positions(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For keys sorted into runs: (run start mask, run id per element, first position per run)."""
    start = np.ones(len(keys), dtype=bool)
    start[1:] = keys[1:] != keys[:-1]
    run_id = np.cumsum(start) - 1
    return start, run_id, np.flatnonzero(start)


def bucket_edges(keys: np.ndarray, id_hash: np.ndarray, gidx: np.ndarray, signatures=None, threshold: float | None = None) -> np.ndarray:
    """(pairs, 2) uint64 of global indices linking documents that share a key.

    With `threshold`, a pair is kept only if the estimated Jaccard of its signatures reaches it;
    members that fail against their bucket's first document try the next unlinked member.
    """
    if len(keys) < 2:
        return np.zeros((0, 2), dtype=np.uint64)
    order = np.lexsort((id_hash, keys))
    keys, g = keys[order], gidx[order].astype(np.uint64)
    start, run_id, first = _star_positions(keys)
    cand = np.flatnonzero(~start)
    pivot = first[run_id[cand]]
    if threshold is None:
        return np.column_stack((g[pivot], g[cand]))
    found = []
    for _ in range(_MAX_VERIFY_ROUNDS):
        if len(cand) == 0:
            break
        ok = np.zeros(len(cand), dtype=bool)
        for lo in range(0, len(cand), _VERIFY_CHUNK):
            a = signatures.rows(g[cand[lo : lo + _VERIFY_CHUNK]])
            b = signatures.rows(g[pivot[lo : lo + _VERIFY_CHUNK]])
            ok[lo : lo + len(a)] = np.mean(a == b, axis=1) >= threshold
        found.append(np.column_stack((g[pivot[ok]], g[cand[ok]])))
        cand = cand[~ok]
        # The first member left in each bucket becomes the next pivot for the rest.
        r = run_id[cand]
        new_pivot = np.ones(len(cand), dtype=bool)
        new_pivot[1:] = r[1:] != r[:-1]
        pivot = cand[new_pivot][np.cumsum(new_pivot) - 1]
        cand, pivot = cand[~new_pivot], pivot[~new_pivot]
    return np.concatenate(found) if found else np.zeros((0, 2), dtype=np.uint64)


def partition_names(sources: list[str], key_ranges: int) -> list[str]:
    return [partition_name(src, q) for src in sources for q in range(key_ranges)]


class LshBuckets(PipelineStep):
    type = "🫂 - DEDUP"
    name = "🪣 lsh buckets"

    def __init__(self, work_dir: str, sig_tasks: int, sources: list[str], key_ranges: int = 1, verify_threshold: float | None = None):
        super().__init__()
        self.work_dir, self.sig_tasks = work_dir, sig_tasks
        self.partitions = [(src, q) for src in sources for q in range(key_ranges)]
        self.key_ranges, self.verify_threshold = key_ranges, verify_threshold

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        work = WorkDir(self.work_dir)
        offsets = work.offsets(self.sig_tasks)
        signatures = None
        with self.track_time():
            for source, q in self.partitions[rank::world_size]:
                lo, hi = key_range(q, self.key_ranges)
                keys, id_hash, gidx = [], [], []
                for r in range(self.sig_tasks):
                    k, refs = work.sorted_range(r, source, lo, hi)
                    keys.append(k)
                    id_hash.append(refs[:, 0])
                    gidx.append(refs[:, 1] + np.uint64(offsets[r]))
                threshold = self.verify_threshold if source != "exact" else None
                if threshold is not None and signatures is None:
                    signatures = SignatureStore(work, self.sig_tasks)
                edges = bucket_edges(np.concatenate(keys), np.concatenate(id_hash), np.concatenate(gidx), signatures, threshold)
                write_array(work.edges_path(partition_name(source, q)), edges)
                self.stat_update("keys", value=int(sum(len(k) for k in keys)))
                self.stat_update(f"edges:{source.split('_')[0]}", value=len(edges))
        yield from ()
