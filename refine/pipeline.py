"""The `refine` pipeline (issue 5): LLM rewrite of kept pages into MegaMath-Web-Pro-Max.

    <input>/data/*.parquet -> math_threshold -> refine (LLM + validation) -> refine/data/
                                                                            refine/excluded/<step>/
                                                                            stats/refine/

Every input document leaves one stats row with `refine_status`:
    ok        the answer passed validation; its text replaces the original in refine/data/
    rejected  the answer failed a validation rule (reason = the rule); the original goes to
              refine/excluded/refine/ and stays out of the Pro-Max output
    failed    the LLM gave no answer (reason llm_error:...) - a final error for that request
    skipped   not sent: backend none, input too long or empty
and refine_model, refine_prompt (prompt hash), tokens_in, tokens_out, refine_latency_s.
Documents under `min_math_score` are dropped by math_threshold before any request.

Resumability: answers are stored as they arrive (refine/store.py) under
<output>/cache/refine/answers/; a rerun asks only for the missing ones, and a run started over
with --force after a config change (validation bounds, server URL) re-judges stored answers
instead of paying for them again. Delete that folder to ask everything anew. When the server stays unreachable after all retries the task stops (raises), so
datatrove does not mark it complete and the rerun picks it up - no document is recorded as
failed because a server was down, and none is written twice (the writer replaces its files).
"""
from __future__ import annotations

import math
import os

from curation.context import Stage
from curation.docio import OutputWriter, ParquetDocReader
from curation.steps.base import OctoStep


class LLMUnavailable(RuntimeError):
    """The LLM could not be reached (or refused our key/model) even after retries."""


class MathScoreThreshold(OctoStep):
    """Web-Pro-Max refines only what a stricter classifier kept."""

    name = "math_threshold"

    def __init__(self, threshold: float | None, keep_unscored: bool = True):
        super().__init__()
        self.threshold, self.keep_unscored = threshold, keep_unscored

    def process(self, doc):
        if self.threshold is None:
            return None
        score = doc.metadata.get("math_score")
        if score is None:  # counted: a recipe whose input never met the classifier shows here
            self.stat_update("unscored")
            return None if self.keep_unscored else "no_math_score"
        try:
            score = float(score)
        except (TypeError, ValueError):
            return "bad_math_score"
        return f"math_score<{self.threshold:g}" if score < self.threshold else None


def default_batch(cfg) -> int:
    llm = cfg.llm
    if llm.backend == "openai":
        return llm.concurrency * 4  # keeps every slot busy across a batch's slow tail
    if llm.backend == "transformers":
        return llm.batch_size * 8  # sorted by length within the batch: little padding
    if llm.backend == "vllm":
        return 512  # vLLM schedules continuously; a large batch keeps the GPUs full
    return 1024


class RefineStep(OctoStep):
    name = "refine"

    def __init__(self, cfg, store_dir: str):
        super().__init__()
        self.cfg, self.store_dir = cfg, store_dir
        self.batch_size = cfg.docs_per_batch or default_batch(cfg)
        self.llm = self.store = self.validator = None
        self.prompt_id = None

    # -- per-task resources ---------------------------------------------------------------------
    def setup(self, rank: int, world_size: int) -> None:
        from refine.llm import DisabledLLM, make_llm
        from refine.prompting import prompt_hash, render_prompt
        from refine.store import AnswerStore
        from refine.validate import AnswerValidator

        self.prompt_id = prompt_hash(self.cfg.prompt)
        render_prompt(self.cfg.prompt, text="")  # a prompt without {{text}} fails here, once
        self.validator = AnswerValidator(self.cfg)
        if self.cfg.llm.backend == "none":
            self.llm = DisabledLLM()
            return
        self.llm = make_llm(self.cfg.llm, rank=rank)
        self.store = AnswerStore(self.store_dir, rank, world_size, self.llm.model_name, self.prompt_id)
        if len(self.store):
            self.stat_update("stored_answers_loaded", value=len(self.store))

    def teardown(self) -> None:
        if self.store is not None:
            self.store.close()
        if self.llm is not None:
            self.llm.close()
        self.llm = self.store = None

    def run(self, data, rank: int = 0, world_size: int = 1):
        try:
            yield from super().run(data, rank, world_size)
        finally:
            self.teardown()

    def __getstate__(self):  # clients, engines and files are per task, never pickled
        state = self.__dict__.copy()
        state.update(llm=None, store=None, validator=None)
        return state

    # -- the work -------------------------------------------------------------------------------
    def output_budget(self, text: str) -> int:
        cfg = self.cfg
        est_tokens = len(text) / cfg.chars_per_token
        return max(1, min(cfg.llm.max_tokens, max(cfg.min_output_tokens, math.ceil(cfg.output_tokens_ratio * est_tokens))))

    def process_batch(self, docs):
        from refine.prompting import render_prompt
        from refine.store import text_sha

        cfg = self.cfg
        reasons: list[str | None] = [None] * len(docs)
        gens: dict[int, object] = {}
        to_ask: list[int] = []
        shas: dict[int, str] = {}
        for pos, doc in enumerate(docs):
            md = doc.metadata
            md["refine_prompt"] = self.prompt_id
            md["refine_model"] = self.llm.model_name if cfg.llm.backend != "none" else None
            if cfg.llm.backend == "none":
                reasons[pos] = self._skip(md, "llm_disabled:backend none")
            elif not doc.text.strip():
                reasons[pos] = self._skip(md, "empty_input")
            elif len(doc.text) > cfg.max_input_chars:
                reasons[pos] = self._skip(md, f"input_too_long:{len(doc.text)}")
            else:
                shas[pos] = text_sha(doc.text)
                cached = self.store.get(doc.id, shas[pos])
                if cached is not None:
                    gens[pos] = cached
                    self.stat_update("answers_from_store")
                else:
                    to_ask.append(pos)

        if to_ask:
            requests = [render_prompt(cfg.prompt, text=docs[p].text) for p in to_ask]
            budgets = [self.output_budget(docs[p].text) for p in to_ask]

            def keep(i, gen):  # runs as each answer arrives: the store has it before the batch ends
                p = to_ask[i]
                self.store.put(docs[p].id, shas[p], gen)

            for p, gen in zip(to_ask, self.llm.generate(requests, max_tokens=budgets, on_result=keep)):
                gens[p] = gen
            self.stat_update("requests", value=len(to_ask))

        unavailable = [g for g in gens.values() if not g.ok and g.retryable]
        if unavailable and cfg.stop_on_unavailable:
            raise LLMUnavailable(
                f"refine: {len(unavailable)} of {len(to_ask)} LLM requests failed after retries "
                f"(first: {unavailable[0].error}); {self.store.added} answers of this run are stored in "
                f"{self.store.path}; rerun the same command to resume"
            )

        for pos, gen in gens.items():
            reasons[pos] = self._judge(docs[pos], gen)
        return reasons

    def _skip(self, md: dict, reason: str) -> str:
        md["refine_status"] = "skipped"
        return reason

    def _judge(self, doc, gen) -> str | None:
        from refine.validate import clean_answer

        md = doc.metadata
        md["tokens_in"], md["tokens_out"] = gen.tokens_in, gen.tokens_out
        md["refine_latency_s"] = round(gen.latency_s, 4)
        if not gen.ok:
            md["refine_status"] = "failed"
            return f"llm_error:{(gen.error or 'no text')[:200]}"
        answer = clean_answer(gen.text)
        why = self.validator.check(doc.text, answer, gen.finish_reason, md.get("lang"))
        if why:
            md["refine_status"] = "rejected"
            return why
        md["refine_status"] = "ok"
        md["refine_input_chars"] = len(doc.text)
        doc.text = answer
        md["n_chars"], md["n_words"] = len(answer), len(answer.split())
        return None


def build(ctx) -> list[Stage]:
    cfg = ctx.pcfg
    if cfg.store_dir:
        store_dir = cfg.store_dir if os.path.isabs(cfg.store_dir) else os.path.join(ctx.output, cfg.store_dir)
    else:
        # Outside <output>/refine/ on purpose: `--force` (a changed config) clears that folder, and
        # the answers stay valid across such changes - they are keyed by input, prompt and model.
        store_dir = os.path.join(ctx.output, "cache", ctx.name, "answers")
    threshold = MathScoreThreshold(cfg.min_math_score, cfg.keep_unscored)
    refine = RefineStep(cfg, store_dir)
    threshold.step_index, refine.step_index = 0, 1
    steps = [ParquetDocReader(ctx.input_data_dir(), limit=ctx.limit), threshold, refine, OutputWriter(ctx.output, ctx.name)]
    return [Stage(name="refine", steps=steps, tasks=ctx.tasks, workers=ctx.workers)]
