"""Base classes for octo's datatrove steps.

A dropped document is *marked*, not removed: it travels on to the pipeline's OutputWriter, which
writes it to `<pipeline>/excluded/<step>/` and gives it a stats row with the step and the reason.
Later steps skip marked documents. This is how every input document leaves exactly one row.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep


def drop_mark(doc: Document) -> dict | None:
    return doc.metadata.get("_dropped")


def mark_dropped(doc: Document, step: str, reason: str, index: int = -1) -> None:
    doc.metadata["_dropped"] = {"step": step, "reason": reason, "index": index}


class OctoStep(PipelineStep):
    """A step that looks at one document at a time and may drop it with a reason.

    Subclasses implement `process(doc) -> str | None` (the drop reason, or None to keep), or
    `process_batch(docs) -> list[str | None]` when batching pays (model inference).
    `step_index` is set by the pipeline builder so the funnel can order steps.
    """

    type = "🐙 octo"
    name = "step"
    batch_size = 1

    def __init__(self):
        super().__init__()
        self.step_index = -1

    def process(self, doc: Document) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def process_batch(self, docs: list[Document]) -> list[str | None]:
        return [self.process(doc) for doc in docs]

    def setup(self, rank: int, world_size: int) -> None:
        """Load models etc. once per task, before the first document."""

    def _apply(self, batch: list[Document]) -> Iterator[Document]:
        with self.track_time(unit="batch" if self.batch_size > 1 else None):
            reasons = self.process_batch(batch)
        for doc, reason in zip(batch, reasons):
            if reason:
                mark_dropped(doc, self.name, reason, self.step_index)
                self.stat_update("dropped", f"dropped:{reason.split(':')[0]}")
            else:
                self.stat_update("kept")
            yield doc

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        self.setup(rank, world_size)
        batch: list[Document] = []
        for doc in data or ():
            if drop_mark(doc):
                # Keep order stable: flush what is pending before passing the dropped one on.
                yield from self._apply(batch) if batch else ()
                batch = []
                yield doc
                continue
            batch.append(doc)
            if len(batch) >= self.batch_size:
                yield from self._apply(batch)
                batch = []
        if batch:
            yield from self._apply(batch)


def iter_kept(docs: Iterable[Document]) -> Iterator[Document]:
    return (d for d in docs if not drop_mark(d))
