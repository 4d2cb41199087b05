"""The step of the `rextract` pipeline: precise re-extraction from the original WARC record."""
from __future__ import annotations

import os

from curation.extract import ExtractionConfig
from curation.steps.base import OctoStep


def _precise(html: str, url: str | None, config: ExtractionConfig):
    from curation.extract import extract_precise

    return extract_precise(html, url, config)


class PreciseReextraction(OctoStep):
    """Re-extract each document from its WARC record with the precise pass.

    With `config.timeout_s`, trafilatura runs in datatrove's extractor sandbox (a subprocess
    restarted after a timeout), so one pathological page costs its timeout, never the task.
    """

    name = "rextract"

    def __init__(self, config: ExtractionConfig | None = None, warc_root: str | None = None):
        super().__init__()
        self.config = config or ExtractionConfig()
        self.warc_root = warc_root
        self._sandbox = None

    def run(self, data, rank: int = 0, world_size: int = 1):
        from functools import partial

        from datatrove.pipeline.extractors.base import ExtractorSandbox

        self._extract = partial(_precise, config=self.config)
        if self.config.timeout_s:
            # Warm up here first: a sandbox restarted after a timeout is forked from this
            # process and finds trafilatura (and what it loads lazily) ready.
            warmup = ("<html><body><p>Warm-up page with $x^2$ and <sup>2</sup>.</p></body></html>", None)
            self._extract(*warmup)
            self._sandbox = ExtractorSandbox(timeout=self.config.timeout_s, warmup_text=warmup)
        try:
            yield from super().run(data, rank, world_size)
        finally:
            if self._sandbox is not None:
                self._sandbox.__exit__(None, None, None)
                self._sandbox = None

    def warc_path(self, recorded: str) -> str:
        if self.warc_root and "://" not in recorded and not os.path.exists(recorded):
            candidate = os.path.join(self.warc_root, os.path.basename(recorded))
            if os.path.exists(candidate):
                return candidate
        return recorded

    def keep_fast_text(self, doc, status: str, detail: str = "") -> None:
        doc.metadata["rextract_status"] = status
        self.stat_update(f"kept_fast_text:{status}")
        if detail:
            from loguru import logger

            logger.info(f"rextract {doc.id}: {status}: {detail}")

    def process(self, doc) -> None:
        from curation.warc import read_record_at

        md = doc.metadata
        path, offset = md.get("warc_file"), md.get("warc_offset")
        if not path or offset is None:
            return self.keep_fast_text(doc, "no_warc_ref")
        try:
            page = read_record_at(self.warc_path(str(path)), int(offset))
        except Exception as e:  # noqa: BLE001 - missing file, bad offset, network: keep the doc
            return self.keep_fast_text(doc, "warc_unreadable", f"{path}@{offset}: {type(e).__name__}: {e}")
        if not page.body:
            return self.keep_fast_text(doc, "warc_unreadable", f"{path}@{offset}: {page.error or 'empty record'}")
        url = page.url or md.get("url")
        try:
            if self._sandbox is not None:
                result = self._sandbox.process_document((page.html, url), self._extract)
            else:
                result = self._extract(page.html, url)
        except TimeoutError:
            return self.keep_fast_text(doc, "timeout", f"over {self.config.timeout_s}s")
        except EOFError as e:
            return self.keep_fast_text(doc, "extract_error", f"extractor process died: {e}")
        except Exception as e:  # noqa: BLE001
            return self.keep_fast_text(doc, "extract_error", f"{type(e).__name__}: {e}")
        if not result.text.strip():
            return self.keep_fast_text(doc, "empty")
        md["fast_n_chars"] = len(doc.text)
        doc.text = result.text
        md["rextract_status"] = "ok"
        md["math_markup_families"] = result.math_markup
        md["math_markup"] = sum(result.math_markup.values())
        md["tex_fragments"] = result.tex_fragments
        md["n_chars"] = len(doc.text)
        md["n_words"] = len(doc.text.split())
        if result.layout:
            md["layout"] = result.layout
        self.stat_update("rextracted")
        return None
