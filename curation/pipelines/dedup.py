"""The `dedup` pipeline (issue 4): exact + MinHash LSH near-dedup, then decontamination.

Reads `<depends_on[0]>/data/*.parquet` (web by default, or parquet a user put there) and runs
four datatrove stages, each able to spread over many tasks and machines:

  signatures  tasks = executor tasks  shard i of the input -> signatures, band keys, text hashes
  buckets     one task per partition  (band or exact) x key range -> duplicate edges
  clusters    1 task                  union-find over document indices -> survivor per cluster
  filter      tasks = executor tasks  shard i again -> cluster marks, decontamination, writer

The filter stage must read the input exactly as the signatures stage did (same files, same task
count, same limit) because it maps decisions back by row; it checks ids and counts and stops
with a clear message if the input changed in between.
"""
from __future__ import annotations

import os

from curation.dedup.config import (  # noqa: F401  (re-exported: curation.config imports DedupConfig from here)
    BenchmarkFile,
    DecontamConfig,
    DedupConfig,
    ExactDedupConfig,
    MinhashConfig,
    TextNormalise,
)


def bucket_sources(cfg: DedupConfig) -> list[str]:
    sources = [f"band_{b:03d}" for b in range(cfg.minhash.bands)] if cfg.minhash.enabled else []
    return sources + (["exact"] if cfg.exact.enabled else [])


def benchmark_paths(ctx) -> list[str]:
    """Resolved benchmark paths; a missing file is a one-line config error."""
    paths = []
    for i, bench in enumerate(ctx.pcfg.decontaminate.benchmarks):
        path = ctx.resolve(bench.path)
        if not os.path.isfile(path):
            from curation.config import ConfigError

            raise ConfigError(f"pipelines.{ctx.name}.decontaminate.benchmarks[{i}].path: {path}: no such file (benchmark {bench.name!r})")
        paths.append(path)
    return paths


def build(ctx):
    from curation.context import Stage
    from curation.decontam import Decontaminate
    from curation.dedup.buckets import LshBuckets, partition_names
    from curation.dedup.clusters import DuplicateClusters
    from curation.dedup.filter import DuplicateFilter
    from curation.dedup.signatures import MinhashSignatures
    from curation.docio import OutputWriter, ParquetDocReader

    cfg: DedupConfig = ctx.pcfg
    source = ctx.input_data_dir()
    work = ctx.work_dir()
    stages = []
    dedup = cfg.exact.enabled or cfg.minhash.enabled
    if dedup:
        sources = bucket_sources(cfg)
        partitions = len(sources) * cfg.minhash.key_ranges
        verify = cfg.minhash.verify_threshold if cfg.minhash.enabled else None
        stages += [
            Stage("signatures", [ParquetDocReader(source, limit=ctx.limit), MinhashSignatures(work, cfg.minhash, cfg.exact)], ctx.tasks, ctx.workers),
            Stage("buckets", [LshBuckets(work, ctx.tasks, sources, cfg.minhash.key_ranges, verify)], min(cfg.bucket_tasks or partitions, partitions), ctx.workers),
            Stage("clusters", [DuplicateClusters(work, ctx.tasks, partition_names(sources, cfg.minhash.key_ranges), cfg.keep)], 1, 1),
        ]
    steps = [ParquetDocReader(source, limit=ctx.limit)]
    if dedup:
        steps.append(DuplicateFilter(work))
    if cfg.decontaminate.enabled and cfg.decontaminate.benchmarks:
        steps.append(Decontaminate(cfg.decontaminate, benchmark_paths(ctx)))
    steps.append(OutputWriter(ctx.output, ctx.name))
    # Funnel order: exact_dedup 0, minhash_dedup 1, decontaminate 2.
    index = 0
    for step in steps:
        if hasattr(step, "step_index"):
            step.step_index = index
            index += 2 if isinstance(step, DuplicateFilter) else 1
    stages.append(Stage("filter", steps, ctx.tasks, ctx.workers))
    return stages
