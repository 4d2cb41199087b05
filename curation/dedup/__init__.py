"""The stages of the `dedup` pipeline (curation/pipelines/dedup.py wires them together).

signatures (N tasks) -> buckets (one task per band/key-range partition) -> clusters (1 task)
-> filter (N tasks, the same sharding as signatures). Stages talk through files under
`<output>/dedup/work/` (layout in store.py), each written atomically per task.
"""
