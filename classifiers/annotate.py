"""LLM labels: pages scored 0-5 for mathematical value through the LLM layer (refine/llm.py).

The prompt is `refine/prompts/math_score.txt` (FineMath-style additive rubric, answer ending in
`Score: N`). Every label row records the model and the prompt version (`prompt_hash`), so labels
from another model or prompt can be told apart (and redone) later. Answers without a score
are counted and skipped, never guessed; a request that failed for a reason that may pass (server
down, rate limit) stops the task so a rerun resumes instead of silently losing labels.
"""
from __future__ import annotations

import heapq
import logging
import math
import re

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from classifiers.labels import attach_label, label_row
from classifiers.train import sample_rank

log = logging.getLogger(__name__)

_LAST_DIGIT = re.compile(r"(?<![\d.])([0-5])(?:\s*/\s*5)?(?![\d.])")


class AnnotationUnavailable(RuntimeError):
    """The LLM could not answer now (server down, rate limited); rerun to resume."""


def parse_math_score(answer: str | None) -> int | None:
    """0-5 from an answer: the last `Score: N`, else the last lone digit 0-5 of its last line."""
    from refine.prompting import parse_score

    if not answer:
        return None
    found = parse_score(answer)
    if found is not None:
        return found
    lines = [ln for ln in answer.strip().splitlines() if ln.strip()]
    digits = _LAST_DIGIT.findall(lines[-1]) if lines else []
    return int(digits[-1]) if digits else None


def annotate_docs(llm, docs: list[Document], prompt: str, max_chars: int, round_: int,
                  annotator: str, stat=lambda key, n=1: None) -> list[dict]:
    """Label rows for the pages the LLM scored; unparseable or failed answers are counted and skipped."""
    from refine.llm import prompt_hash, render_prompt

    if not docs:
        return []
    version = prompt_hash(prompt)
    requests = [render_prompt(prompt, text=doc.text[:max_chars]) for doc in docs]
    gens = llm.generate(requests)
    rows, retryable = [], []
    for doc, gen in zip(docs, gens):
        if not gen.ok:
            stat("llm_error")
            if gen.retryable:
                retryable.append(gen.error)
            continue
        score = parse_math_score(gen.text)
        if score is None:
            stat("llm_unparseable")
            continue
        stat(f"llm_score_{score}")
        rows.append(label_row(doc, score, "score", "llm", annotator, round_, prompt_version=version,
                              detail={"answer": gen.text[-400:], "tokens_in": gen.tokens_in, "tokens_out": gen.tokens_out}))
    if retryable:
        raise AnnotationUnavailable(
            f"LLM annotation: {len(retryable)} of {len(docs)} request(s) failed and may succeed later "
            f"({retryable[0]}); rerun to resume"
        )
    unparsed = len(docs) - len(rows)
    if unparsed:
        log.warning("LLM annotation: %d of %d answer(s) skipped (error or no score)", unparsed, len(docs))
    return rows


class LLMLabels(PipelineStep):
    """Scores a uniform sample of the pages (the `max_docs` smallest `sample_rank`s) with the LLM.

    Pages outside the sample pass straight through; sampled ones are held (at most
    max_docs / world_size per task), annotated in chunks at the end of the task, then passed on
    with their label attached for the LabelWriter.
    """

    type = "🏷️ - LABEL"
    name = "llm labels"

    def __init__(self, llm_cfg, max_docs: int, prompt: str = "math_score", max_chars: int = 6000,
                 round_: int = 0, chunk: int = 256):
        super().__init__()
        self.llm_cfg, self.max_docs, self.prompt = llm_cfg, max_docs, prompt
        self.max_chars, self.round, self.chunk = max_chars, round_, chunk

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from refine.llm import make_llm, render_prompt

        render_prompt(self.prompt, text="")  # a bad prompt name fails before any work is done
        k = math.ceil(self.max_docs / world_size)
        held: list[tuple[float, int, Document]] = []  # max-heap on the id hash, via negation
        for n, doc in enumerate(data or ()):
            if not doc.text.strip():
                yield doc
                continue
            item = (-sample_rank(doc.id), n, doc)
            if len(held) < k:
                heapq.heappush(held, item)
            elif item > held[0]:
                yield heapq.heapreplace(held, item)[2]
            else:
                yield doc
        docs = [d for _, _, d in sorted(held, key=lambda t: t[1])]
        if not docs:
            return
        llm = make_llm(self.llm_cfg, rank=rank)
        annotator = self.llm_cfg.model or getattr(llm, "model_name", None) or self.llm_cfg.backend
        try:
            for start in range(0, len(docs), self.chunk):
                part = docs[start:start + self.chunk]
                with self.track_time(unit="chunk"):
                    rows = annotate_docs(llm, part, self.prompt, self.max_chars, self.round, annotator,
                                         stat=lambda key, v=1: self.stat_update(key, value=v))
                by_id = {r["id"]: r for r in rows}
                for doc in part:
                    if doc.id in by_id:
                        attach_label(doc, by_id[doc.id])
                    yield doc
        finally:
            llm.close()
