"""The `rextract` pipeline: the second, precise extraction pass of MegaMath.

The `web` pipeline extracts every page with the fast pass (math preprocessor + resiliparse).
Once dedup has thrown most pages away, this pipeline goes back to the original HTML of each
survivor, fetched from its WARC by file and offset (metadata `warc_file`, `warc_offset`), and
extracts it again with the precise pass (math preprocessor + trafilatura, precision settings).

A page is never lost here: if its WARC record cannot be read back, or the precise extraction
times out, fails or comes back empty, the document keeps its fast-pass text, and metadata
`rextract_status` (also a stats column) says why: ok | no_warc_ref | warc_unreadable | timeout |
extract_error | empty.
"""
from __future__ import annotations

from pydantic import Field

from curation.extract import ExtractionConfig
from curation.schema import PipelineBase


class RextractConfig(PipelineBase):
    depends_on: list[str] = Field(default_factory=lambda: ["dedup"])
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    # Where to look for a WARC whose recorded path is gone (moved, or a relative path read
    # from another directory): <warc_root>/<file name>. None: only the recorded path.
    warc_root: str | None = None


def build(ctx):
    from curation.context import Stage
    from curation.docio import OutputWriter, ParquetDocReader
    from curation.steps.rextract import PreciseReextraction

    cfg: RextractConfig = ctx.pcfg
    step = PreciseReextraction(cfg.extraction, ctx.resolve(cfg.warc_root) if cfg.warc_root else None)
    step.step_index = 1
    steps = [ParquetDocReader(ctx.input_data_dir(), limit=ctx.limit), step, OutputWriter(ctx.output, ctx.name)]
    return [Stage("main", steps, tasks=ctx.tasks, workers=ctx.workers)]
