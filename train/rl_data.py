"""What GRPO trains on: prompts with gold answers, the prompt templates, and the order prompts
are drawn in.

    load_rl_problems(data)       -> [Problem]   the toy task, a local file or a Hugging Face id
    PromptTemplate(name, tok)    .render(question) -> prompt text, .stop -> default stop strings
    PromptSampler(n, seed)       .take(k) -> prompt indices; its state is one integer (resume)

Files: .jsonl / .json / .parquet, read by train.benchmarks (issue 8). `format: auto` takes the
fields that MATH8K-, DeepScaleR-, GSM8K- and verl-style files use (question/problem/prompt and
answer/gt_answer/final_answer/solution/reward_model.ground_truth); a benchmark name (gsm8k, math,
...) uses that benchmark's own loader. A record without a usable question or answer is skipped,
counted and logged, never fatal; a source with no usable record is an error.
"""
from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

from train.answers import extract_answer, last_boxed
from train.benchmarks import BENCHMARKS, BenchmarkError, Problem, _HF_ID, load_benchmark, read_records

log = logging.getLogger("octo.rl")

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."

# Base-model templates (no chat template): "{question}" is replaced by the problem text.
TEMPLATES = {
    # The User/Assistant frame OctoThinker's RL used for base models, with the \boxed{} instruction.
    "base": (
        "A conversation between User and Assistant. The User asks a question, and the Assistant "
        "solves it. The Assistant first thinks about the reasoning process in the mind and then "
        "provides the User with the answer.\nUser: {question}\n" + BOXED_INSTRUCTION + "\nAssistant:"
    ),
    # The frame of the mixes' `template: qa` (worked examples), for models mid-trained on them.
    "qa": "Question: {question}\nAnswer:",
}
# Where a base model's completion ends: where it starts the next turn.
DEFAULT_STOPS = {"base": ["\nUser:"], "qa": ["\nQuestion:"], "chat": []}


class RLDataError(ValueError):
    """An unusable prompt source or template (one line, exit 2)."""


class PromptTemplate:
    """base | qa | chat (the tokenizer's chat template) | any string holding "{question}"."""

    def __init__(self, template: str, tokenizer: Any = None):
        self.name = template
        if template == "chat":
            if tokenizer is None or not getattr(tokenizer, "chat_template", None):
                raise RLDataError("prompt.template: chat needs a tokenizer with a chat template")
            self.tokenizer = tokenizer
        elif template in TEMPLATES:
            self.text = TEMPLATES[template]
        elif "{question}" in template:
            self.text = template
        else:
            raise RLDataError(f"prompt.template {template!r}: expected base, qa, chat or a string with {{question}}")

    @property
    def stop(self) -> list[str]:
        return list(DEFAULT_STOPS.get(self.name, []))

    def render(self, question: str) -> str:
        if self.name == "chat":
            message = f"{question}\n{BOXED_INSTRUCTION}"
            return self.tokenizer.apply_chat_template(
                [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
            )
        # str.replace, not format: questions and templates are full of TeX braces.
        return self.text.replace("{question}", question)


# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------

_QUESTION_FIELDS = ("question", "problem", "prompt", "query", "input", "instruction")
_ANSWER_FIELDS = ("gt_answer", "answer", "final_answer", "gold", "ground_truth", "target", "solution")


def _field(rec: dict, names: tuple[str, ...]) -> tuple[str, Any] | None:
    lower = {str(k).lower(): k for k in rec}
    for name in names:
        key = lower.get(name)
        if key is not None and rec[key] not in (None, "", []):
            return name, rec[key]
    return None


def _question_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        # verl/DeepScaleR parquet: prompt = [{"role": "user", "content": ...}]
        users = [m.get("content") for m in value if m.get("role") == "user"]
        return str(users[-1]).strip() if users and users[-1] else None
    return None


def _gold_text(name: str, value: Any) -> str | None:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if "####" in text:  # GSM8K solution
        return text.rsplit("####", 1)[1].strip().replace(",", "") or None
    if name == "solution" or "\\boxed" in text or "\\fbox" in text:
        return last_boxed(text) or (extract_answer(text) if name == "solution" else text)
    return text or None


def problem_from_record(rec: dict, index: int) -> Problem | None:
    """A Problem from a record in any of the common RL-set layouts, or None when unusable."""
    q = _field(rec, _QUESTION_FIELDS)
    question = _question_text(q[1]) if q else None
    gold = None
    rm = rec.get("reward_model")
    if isinstance(rm, dict) and rm.get("ground_truth") not in (None, ""):
        gold = _gold_text("ground_truth", rm["ground_truth"])
    if gold is None:
        a = _field(rec, _ANSWER_FIELDS)
        gold = _gold_text(*a) if a else None
    if not question or not gold:
        return None
    rid = rec.get("id", rec.get("unique_id", rec.get("idx", index)))
    return Problem(str(rid), question, gold, "math")


def toy_problems(n: int, seed: int) -> list[Problem]:
    """The toy task: single-digit addition word problems (train.qa_synth, style "toy")."""
    from train.qa_synth import generate_qa

    return [Problem(ex.id, ex.question, ex.final, "number", solution=ex.answer) for ex in generate_qa(n, seed, style="toy")]


def _records(source: str, split: str) -> list[dict]:
    if Path(source).exists() or not _HF_ID.match(source):
        return read_records(source)
    ref = source if "@" in source else f"{source}@{split}"
    from train.benchmarks import _load_hf

    return _load_hf(ref, default_split=split)


def load_rl_problems(source: str, fmt: str = "auto", limit: int | None = None, toy_n: int = 2000,
                     toy_seed: int = 0, split: str = "train") -> list[Problem]:
    """Prompts with gold answers. source: "toy", a file, or owner/name[:config][@split]."""
    if source == "toy":
        return toy_problems(limit or toy_n, toy_seed)
    try:
        if fmt != "auto":
            if fmt not in BENCHMARKS:
                raise RLDataError(f"data.format {fmt!r}: expected auto or one of {', '.join(BENCHMARKS)}")
            return load_benchmark(fmt, source, limit)
        records = _records(source, split)
    except BenchmarkError as e:
        raise RLDataError(str(e)) from None
    problems, skipped = [], 0
    for i, rec in enumerate(records):
        if limit is not None and len(problems) >= limit:
            break
        p = problem_from_record(rec, i) if isinstance(rec, dict) else None
        if p is None:
            skipped += 1
            if skipped <= 5:
                log.warning("%s record %d: no question or gold answer; skipped", source, i)
            continue
        problems.append(p)
    if skipped:
        log.warning("%s: %d records without a question or gold answer skipped", source, skipped)
    if not problems:
        raise RLDataError(f"{source}: no record with a question and a gold answer "
                          f"(fields {'/'.join(_QUESTION_FIELDS)} and {'/'.join(_ANSWER_FIELDS)})")
    return problems


# --------------------------------------------------------------------------------------------
# Prompt order
# --------------------------------------------------------------------------------------------


class PromptSampler:
    """Prompt indices in a fresh seeded permutation per epoch. The whole state is `cursor`
    (prompts drawn so far), so a resumed run draws exactly what the uninterrupted one would."""

    def __init__(self, n: int, seed: int = 0, shuffle: bool = True, cursor: int = 0):
        if n < 1:
            raise RLDataError("no prompts to train on")
        self.n, self.seed, self.shuffle, self.cursor = n, seed, shuffle, cursor
        self._epoch, self._order = -1, list(range(n))

    def _order_of(self, epoch: int) -> list[int]:
        if epoch != self._epoch:
            order = list(range(self.n))
            if self.shuffle:
                random.Random(f"octo-rl:{self.seed}:{epoch}").shuffle(order)
            self._epoch, self._order = epoch, order
        return self._order

    def take(self, k: int) -> list[int]:
        out = []
        for _ in range(k):
            epoch, pos = divmod(self.cursor, self.n)
            out.append(self._order_of(epoch)[pos])
            self.cursor += 1
        return out
