"""WarcReader: response records of WARC files -> Documents (text = decoded HTML for now)."""
from __future__ import annotations

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from curation.steps.base import mark_dropped
from curation.warc import decode_html, domain_of, iter_pages

HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcReader(PipelineStep):
    """Reads WARC files (sharded across tasks by file). Every response record yields a Document;
    unusable ones (truncated, unreadable, non-HTML, too large, HTTP error) are marked dropped by
    `reader` with the reason, so they are counted, logged and kept in `excluded/reader/`."""

    type = "📖 - READER"
    name = "reader"

    def __init__(self, files: list[str], source: str = "warc", max_bytes: int = 2_000_000,
                 content_types: tuple[str, ...] = HTML_TYPES, ok_status_only: bool = True,
                 limit: int | None = None):
        super().__init__()
        self.files, self.source, self.max_bytes = list(files), source, max_bytes
        self.content_types, self.ok_status_only, self.limit = tuple(content_types), ok_status_only, limit

    def page_problem(self, page) -> str | None:
        if page.error:
            return page.error
        if self.ok_status_only and page.http_status != 200:
            return f"http_status:{page.http_status}"
        if page.content_type not in self.content_types:
            return f"content_type:{page.content_type or 'none'}"
        if len(page.body) > self.max_bytes:
            return f"too_large ({len(page.body)} > {self.max_bytes} bytes)"
        return None

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        n = 0
        for path in self.files[rank::world_size]:
            try:
                pages = iter_pages(path)
                for page in pages:
                    if self.limit is not None and n >= self.limit:
                        return
                    n += 1
                    yield self.to_document(page)
            except OSError as e:  # unopenable file: one counted skip, the task goes on
                self.stat_update("unreadable_file")
                from loguru import logger

                logger.warning(f"{path}: cannot read ({e})")

    def to_document(self, page) -> Document:
        with self.track_time():
            md = {
                "url": page.url,
                "domain": domain_of(page.url),
                "source": self.source,
                "warc_file": page.file,
                "warc_offset": page.offset,
                "crawl_date": page.date,
                "content_type": page.content_type or None,
                "html_bytes": len(page.body),
            }
            problem = self.page_problem(page)
            text = ""
            if problem is None:
                text, md["charset"] = decode_html(page.body, page.http_headers.get("content-type", ""))
            doc = Document(text=text, id=page.record_id, metadata=md)
            if problem:
                mark_dropped(doc, self.name, problem, 0)
                self.stat_update("dropped", f"dropped:{problem.split(':')[0].split(' (')[0]}")
            else:
                self.stat_update("documents")
        return doc
