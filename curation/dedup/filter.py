"""Stage 4 of dedup (first step): apply the cluster decisions to the documents.

The filter stage reads the input with the same sharding as the signatures stage, so row i of
task r here is row i of task r there; the id (its hash) is checked to catch an input changed in
between.
Every document gets `dup_cluster` (the survivor's id) and `dup_cluster_size` when it belongs to a
cluster; non-survivors are marked dropped by `exact_dedup` (same normalised text as the survivor)
or `minhash_dedup` (near duplicate), reason exact_duplicate / near_duplicate.
"""
from __future__ import annotations

from datatrove.data import DocumentsPipeline

from curation.dedup.store import WorkDir
from curation.steps.base import OctoStep, mark_dropped

EXACT_STEP = "exact_dedup"
NEAR_STEP = "minhash_dedup"


class DuplicateFilter(OctoStep):
    name = "duplicate filter"

    def __init__(self, work_dir: str):
        super().__init__()
        self.work_dir = work_dir

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        import pyarrow.parquet as pq

        work = WorkDir(self.work_dir)
        expected = work.meta(rank)["documents"]
        from curation.minhash import stable_id_hash

        table = pq.read_table(work.clusters_path(rank)).to_pydict()
        rows, id_hashes = table["row"], table["id_hash"]
        clusters, sizes, decisions = table["dup_cluster"], table["dup_cluster_size"], table["decision"]
        p, i = 0, 0
        for doc in data or ():
            if p < len(rows) and rows[p] == i:
                if int(stable_id_hash([doc.id])[0]) != id_hashes[p]:
                    raise ValueError(
                        f"dedup filter: row {i} of task {rank} is {doc.id!r}, not the document the signatures stage saw there; "
                        "the input changed between stages — rerun dedup from the start"
                    )
                doc.metadata["dup_cluster"] = clusters[p]
                doc.metadata["dup_cluster_size"] = sizes[p]
                if decisions[p] == "exact":
                    mark_dropped(doc, EXACT_STEP, "exact_duplicate", self.step_index)
                    self.stat_update("dropped:exact_duplicate")
                elif decisions[p] == "near":
                    mark_dropped(doc, NEAR_STEP, "near_duplicate", self.step_index + 1)
                    self.stat_update("dropped:near_duplicate")
                else:
                    self.stat_update("cluster_survivor")
                p += 1
            else:
                self.stat_update("unique")
            i += 1
            yield doc
        if i != expected:
            raise ValueError(f"dedup filter: task {rank} read {i} documents, the signatures stage read {expected}; the input changed between stages — rerun dedup from the start")
