"""The per-document stats table: one row per input document per pipeline.

One fixed schema for every pipeline, so `select * from 'out/stats/*/*.parquet'` works in any
DuckDB session without union_by_name. A step records a value by putting it in
`doc.metadata[<column>]`; the pipeline's OutputWriter copies the columns below into the row.
Add a step-specific score by adding its column here.
"""
from __future__ import annotations

import pyarrow as pa

STATS_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("source", pa.string()),
        ("pipeline", pa.string()),
        ("status", pa.string()),  # 'kept' | 'dropped'
        ("dropped_by", pa.string()),
        ("dropped_at", pa.int32()),  # index of the dropping step in its pipeline (funnel order)
        ("reason", pa.string()),
        ("lang", pa.string()),
        ("lang_score", pa.float64()),
        ("math_markup", pa.int64()),  # total math markup elements found in the raw HTML
        ("math_markup_families", pa.string()),  # JSON: counts per markup family
        ("math_score", pa.float64()),
        ("n_chars", pa.int64()),
        ("n_words", pa.int64()),
        ("dup_cluster", pa.string()),
        ("dup_cluster_size", pa.int64()),
        ("contaminated_by", pa.string()),
        ("refine_status", pa.string()),
        ("refine_model", pa.string()),
        ("tokens_in", pa.int64()),
        ("tokens_out", pa.int64()),
        # step-specific
        ("warc_file", pa.string()),
        ("warc_offset", pa.int64()),
        ("content_type", pa.string()),
        ("charset", pa.string()),
        ("html_bytes", pa.int64()),
        ("crawl_date", pa.string()),
        ("tex_fragments", pa.int64()),
        ("rextract_status", pa.string()),  # rextract: ok | no_warc_ref | warc_unreadable | timeout | ...
        ("refine_prompt", pa.string()),
        ("refine_latency_s", pa.float64()),
        ("mix", pa.string()),
        ("tokens", pa.int64()),
    ]
)
STATS_COLUMNS = [f.name for f in STATS_SCHEMA]
# Columns the writer fills itself rather than from metadata.
WRITER_COLUMNS = {"doc_id", "pipeline", "status", "dropped_by", "dropped_at", "reason"}


def _coerce(value, typ: pa.DataType):
    if value is None:
        return None
    if pa.types.is_string(typ):
        if isinstance(value, (dict, list)):
            import json

            return json.dumps(value, sort_keys=True)
        return str(value)
    if pa.types.is_integer(typ):
        return int(value)
    if pa.types.is_floating(typ):
        return float(value)
    return value


def stats_row(doc, pipeline: str) -> dict:
    """Build the stats row of a document from its metadata and drop mark."""
    md = doc.metadata
    row = {c: None for c in STATS_COLUMNS}
    for col in STATS_COLUMNS:
        if col not in WRITER_COLUMNS and col in md:
            row[col] = _coerce(md[col], STATS_SCHEMA.field(col).type)
    drop = md.get("_dropped")
    row.update(
        doc_id=doc.id,
        pipeline=pipeline,
        status="dropped" if drop else "kept",
        dropped_by=drop["step"] if drop else None,
        dropped_at=drop["index"] if drop else None,
        reason=drop["reason"] if drop else None,
    )
    if row["n_chars"] is None:
        row["n_chars"] = len(doc.text)
    if row["n_words"] is None:
        row["n_words"] = len(doc.text.split())
    return row
