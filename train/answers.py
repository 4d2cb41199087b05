"""Answer checking for math evaluation and the RL reward.

One path serves both `octo-train eval` and GRPO (issue 9), so the reward is exactly the metric:

    extract_answer(output)      last \\boxed{}/\\fbox{} (brace matched), else "The answer is …" /
                                "final answer is $…$" / GSM8K "#### N", else the last number;
                                multiple-choice outputs give a letter
    normalize_answer(answer)    Hendrycks-style string normalisation (\\dfrac, \\left, units, %, …)
    check_answer(output, gold)  fast paths first (equal normalised strings, equal plain numbers),
                                then math-verify with the gold first: verify(parse(gold), parse(pred))
    AnswerChecker               a pool of worker processes that runs many checks per round trip,
                                each check under a hard deadline
    math_reward / math_rewards  +1 correct, -1 wrong or no answer (OctoThinker), optional
                                penalties (RewardConfig); reward_from_result for done checks

Why worker processes: math-verify bounds its own work with signal.alarm, which only works in the
main thread, its TimeoutException derives from BaseException, and sympy can sit in C code that no
signal interrupts (a big-integer power or factorial). A check that overruns its deadline has its
worker killed and replaced; the other checks of that batch are resent to a fresh worker. A
program using AnswerChecker needs the usual `if __name__ == "__main__":` guard: workers start
through multiprocessing's forkserver, which imports the main module.

Nothing heavy is imported at module import: math-verify/sympy load in the process that checks.
"""
from __future__ import annotations

import logging
import math
import multiprocessing
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Sequence

from pydantic import Field

from curation.schema import StrictModel

log = logging.getLogger(__name__)

KINDS = ("math", "number", "choice")
CHOICE_LETTERS = "ABCDEFGHIJ"
# An extracted answer longer than this is not a final answer; skip the expensive parser on it.
MAX_VERIFY_CHARS = 2000
# "The answer is …" snippets are cut to this many characters.
MAX_SNIPPET_CHARS = 1000


@dataclass(frozen=True)
class CheckResult:
    correct: bool
    pred: str | None  # the extracted answer (None: none found)
    # exact | numeric | math_verify | choice | mismatch | no_answer | too_long | timeout | error
    method: str


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------

_BOX_CMD = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
# Grouping braces only: "\{" "\}" are literal braces in TeX and "\\" is a line break.
_BRACE_TOKEN = re.compile(r"\\\\|\\[{}]|[{}]")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_ANSWER_MARKER = re.compile(r"####|answer is\s*:?|answer\s*:|choice is\s*:?", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")


def count_boxed(text: str) -> int:
    """How many \\boxed / \\fbox commands a text holds."""
    return sum(1 for _ in _BOX_CMD.finditer(text))


def _group_end(text: str, open_pos: int) -> int | None:
    """Index of the "}" closing the "{" at open_pos, or None when it never closes."""
    depth = 0
    for m in _BRACE_TOKEN.finditer(text, open_pos):
        tok = m.group()
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            if depth == 0:
                return m.start()
    return None


def _all_group_ends(text: str) -> dict[int, int]:
    """Matching "}" of every "{" in one pass (the fallback when the last box never closes,
    so a text full of unclosed boxes stays linear instead of rescanning per box)."""
    ends: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE_TOKEN.finditer(text):
        tok = m.group()
        if tok == "{":
            stack.append(m.start())
        elif tok == "}" and stack:
            ends[stack.pop()] = m.start()
    return ends


def _box_content(text: str, cmd_end: int, ends: dict[int, int] | None) -> str | None:
    i = cmd_end
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text):
        return None
    if text[i] == "{":
        close = _group_end(text, i) if ends is None else ends.get(i)
        return None if close is None else text[i + 1 : close]
    if i == cmd_end:  # "\boxed5" is not a box; "\boxed 5" is
        return None
    # "\boxed 5$": the argument runs to the end of the math or the line.
    stop = len(text)
    for ch in "$\n":
        j = text.find(ch, i)
        if j != -1:
            stop = min(stop, j)
    return text[i:stop].strip() or None


def last_boxed(text: str) -> str | None:
    """Content of the last well-formed \\boxed{…} or \\fbox{…} (braces matched), else None."""
    starts = [m.end() for m in _BOX_CMD.finditer(text)]
    if not starts:
        return None
    content = _box_content(text, starts[-1], None)
    if content is not None:
        return content
    ends = _all_group_ends(text)
    for pos in reversed(starts[:-1]):
        content = _box_content(text, pos, ends)
        if content is not None:
            return content
    return None


def _strip_math_delimiters(s: str) -> str:
    s = s.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if len(s) >= len(left) + len(right) and s.startswith(left) and s.endswith(right):
            return s[len(left) : len(s) - len(right)].strip()
    return s


def _after_last_marker(text: str) -> str | None:
    """The answer written after the last "The answer is", "final answer is", "####", "Answer:"."""
    last = None
    for last in _ANSWER_MARKER.finditer(text):
        pass
    if last is None:
        return None
    snippet = text[last.end() : last.end() + MAX_SNIPPET_CHARS].lstrip(" \t:")
    if snippet.startswith("$"):
        # Minerva style "The final answer is $-\frac{2}{3}$. I hope it is correct."
        inner_start = 2 if snippet.startswith("$$") else 1
        close = snippet.find("$", inner_start)
        if close != -1:
            return snippet[inner_start:close].strip() or None
    if snippet.startswith("\\("):
        close = snippet.find("\\)")
        if close != -1:
            return snippet[2:close].strip() or None
    end = _SENTENCE_END.search(snippet)
    if end is not None:
        snippet = snippet[: end.start()]
    snippet = snippet.strip().rstrip(".").strip()
    return snippet or None


def _last_number(text: str) -> str | None:
    last = None
    for last in _NUMBER.finditer(text):
        pass
    return None if last is None else last.group()


def _first_number(text: str) -> str | None:
    m = _NUMBER.search(text)
    return None if m is None else m.group()


_LETTER_ALONE = re.compile(r"^\(?([A-J])\)?(?![A-Za-z])")
_LETTER_IN_PARENS = re.compile(r"\(([A-J])\)")


def _as_letter(s: str, letters: str) -> str | None:
    s = re.sub(r"\\(?:text|textbf|mathrm|mathbf)\s*\{([^{}]*)\}", r"\1", _strip_math_delimiters(s))
    s = s.replace("$", "").strip()
    m = _LETTER_ALONE.match(s)
    if m and m.group(1) in letters:
        return m.group(1)
    return None


def _match_choice(answer: str, choices: Sequence[str] | None, letters: str) -> str | None:
    """The letter of the choice whose text is the given answer (a model that wrote "12"
    instead of "(B)")."""
    if not choices:
        return None
    want = normalize_answer(answer)
    for letter, choice in zip(letters, choices):
        if normalize_answer(str(choice)) == want:
            return letter
    return None


def extract_choice(text: str, choices: Sequence[str] | None = None) -> str | None:
    """The option letter a multiple-choice output picked, or None."""
    letters = CHOICE_LETTERS[: len(choices)] if choices else CHOICE_LETTERS[:5]
    boxed = last_boxed(text)
    if boxed is not None:
        return _as_letter(boxed, letters) or _match_choice(boxed, choices, letters)
    snippet = _after_last_marker(text)
    if snippet is not None:
        letter = _as_letter(snippet, letters)
        if letter is not None:
            return letter
    last = None
    for m in _LETTER_IN_PARENS.finditer(text):
        if m.group(1) in letters:
            last = m.group(1)
    if last is not None:
        return last
    letter = _as_letter(text, letters) if len(text.strip()) <= 3 else None
    if letter is not None:
        return letter
    if snippet is not None:
        return _match_choice(snippet, choices, letters)
    return None


def extract_answer(text: str, kind: str = "math", choices: Sequence[str] | None = None) -> str | None:
    """The final answer of a model output, or None when it gives none.

    kind "math": last box, else the text after the last answer marker, else the last number.
    kind "number": the same, reduced to its first number ("18 dollars" -> "18").
    kind "choice": an option letter (see extract_choice).
    """
    if not text:
        return None
    if kind == "choice":
        return extract_choice(text, choices)
    answer = last_boxed(text)
    if answer is None:
        answer = _after_last_marker(text)
    if answer is None:
        answer = _last_number(text)
    if answer is None:
        return None
    answer = answer.strip()
    if kind == "number":
        number = _first_number(answer.replace("\\!", "").replace("{,}", ","))
        if number is not None:
            return number.replace(",", "")
    return answer or None


# --------------------------------------------------------------------------------------------
# Normalisation (Hendrycks MATH style) and plain numbers
# --------------------------------------------------------------------------------------------

_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_TRAILING_UNIT = re.compile(r"\\(?:text|mbox|mathrm)\s*\{[^{}]*\}\s*$")
_VARIABLE_PREFIX = re.compile(r"^[A-Za-z](?:_\{?\w+\}?)?\s*(?:=|\\in(?![A-Za-z]))\s*(?=\S)")
_NUMBER_WITH_WORDS = re.compile(r"^(-?\d[\d,]*(?:\.\d+)?)\s*([A-Za-z]{2,}[A-Za-z .]*)$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DECIMAL = re.compile(r"(\d+)\.(\d*?)0+(?!\d)")


def normalize_answer(answer: str) -> str:
    """A canonical string for an answer: equal strings mean equal answers.

    The Hendrycks MATH normalisation, extended: no spaces, \\dfrac/\\tfrac -> \\frac, no
    \\left/\\right, no degrees, dollars or percent signs, trailing \\text{units} dropped,
    \\text{x} -> x, "x = 5" -> "5", \\frac12 -> \\frac{1}{2}, 3/4 -> \\frac{3}{4}, 1,000 -> 1000,
    2.50 -> 2.5, "(C)" -> "C".
    """
    s = _strip_math_delimiters(str(answer).replace("\n", " ")).strip()
    s = s.rstrip(".").strip()
    s = _strip_math_delimiters(s)
    s = re.sub(r"\\[,;:!]", "", s)
    s = re.sub(r"(?<!\\)\\ ", " ", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = re.sub(r"\\(?:left|right)(?:\.|(?![A-Za-z]))", "", s)
    s = s.replace("\\{", "{").replace("\\}", "}")
    s = re.sub(r"\^\s*\{?\s*\\circ\s*\}?", "", s).replace("°", "").replace("\\circ", "")
    s = s.replace("\\$", "").replace("$", "")
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace("\\leq", "\\le").replace("\\geq", "\\ge").replace("\\neq", "\\ne")
    s = s.replace("\\varnothing", "\\emptyset").replace("bmatrix", "pmatrix")
    s = re.sub(r"\binfinity\b|\binf\b", "\\\\infty", s)
    stripped = _TRAILING_UNIT.sub("", s).strip()
    if stripped:
        s = stripped
    s = _TEXT_WRAPPER.sub(r"\1", s)
    s = _TEXT_WRAPPER.sub(r"\1", s)  # one nesting level: \text{\textbf{x}}
    s = _VARIABLE_PREFIX.sub("", s.strip(), count=1)
    m = _NUMBER_WITH_WORDS.match(s.strip())
    if m:
        s = m.group(1)
    s = re.sub(r"\\sqrt(\w)", r"\\sqrt{\1}", s)
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"\\frac(\d)(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac(\d)\{", r"\\frac{\1}{", s)
    s = re.sub(r"\\frac\{([^{}]*)\}(\d)", r"\\frac{\1}{\2}", s)
    if re.fullmatch(r"-?\d+/\d+", s):
        num, den = s.split("/")
        s = f"\\frac{{{num}}}{{{den}}}"
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    s = re.sub(r"(^|[^\d])\.(\d)", r"\g<1>0.\2", s)
    s = _DECIMAL.sub(lambda m: m.group(1) + ("." + m.group(2) if m.group(2) else ""), s)
    m = re.fullmatch(r"\(([A-Za-z])\)", s)
    if m:
        s = m.group(1)
    return s


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PLAIN_FRACTION = re.compile(r"(-?)\\frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}")


def parse_number(normalized: str) -> Fraction | None:
    """The exact value of a normalised plain number (5, -2.5, \\frac{3}{4}), else None."""
    try:
        if _PLAIN_NUMBER.fullmatch(normalized):
            return Fraction(normalized)
        m = _PLAIN_FRACTION.fullmatch(normalized)
        if m:
            den = Fraction(m.group(3))
            if den == 0:
                return None
            value = Fraction(m.group(2)) / den
            return -value if m.group(1) else value
    except (ValueError, ZeroDivisionError):
        return None
    return None


# --------------------------------------------------------------------------------------------
# One check (in the calling process)
# --------------------------------------------------------------------------------------------


def _is_tuple_like(normalized: str) -> bool:
    """A bracketed list of several items: (1,2), [2,5), {1,2,3}."""
    if len(normalized) < 2 or normalized[0] not in "([{" or normalized[-1] not in ")]}":
        return False
    depth = 0
    for ch in normalized[1:-1]:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@lru_cache(maxsize=8192)
def _parse_for_verify(answer: str, timeout_s: int):
    """math-verify's parse of a bare answer; cached so a gold is parsed once per process."""
    from math_verify import parse

    latex = answer.replace("$", "")
    parsed = parse(f"${latex}$", parsing_timeout=timeout_s)
    if not parsed:
        parsed = parse(latex, parsing_timeout=timeout_s)
    return parsed


@lru_cache(maxsize=16384)
def _math_verify_equal(gold: str, pred: str, timeout_s: int) -> bool:
    """Cached: the rollouts of one problem often repeat the same wrong answer."""
    from math_verify import verify

    gold_parsed = _parse_for_verify(gold, timeout_s)
    pred_parsed = _parse_for_verify(pred, timeout_s)
    if not gold_parsed or not pred_parsed:
        return False
    return bool(verify(gold_parsed, pred_parsed, timeout_seconds=timeout_s))


def check_answer(
    output: str,
    gold: str,
    kind: str = "math",
    choices: Sequence[str] | None = None,
    timeout_s: float = 5.0,
) -> CheckResult:
    """Check one model output against a gold answer, in this process.

    No hard deadline here (math-verify's own alarms only, and only in the main thread): use
    AnswerChecker for outputs you do not trust.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r} (expected one of {', '.join(KINDS)})")
    gold = str(gold)
    pred = extract_answer(output or "", kind, choices)
    if pred is None:
        return CheckResult(False, None, "no_answer")
    if kind == "choice":
        want = _as_letter(gold, CHOICE_LETTERS) or gold.strip().upper()
        return CheckResult(pred == want, pred, "choice")
    gold_norm, pred_norm = normalize_answer(gold), normalize_answer(pred)
    if pred_norm == gold_norm or (pred_norm.isalpha() and pred_norm.casefold() == gold_norm.casefold()):
        return CheckResult(True, pred, "exact")
    gold_value, pred_value = parse_number(gold_norm), parse_number(pred_norm)
    if gold_value is not None and pred_value is not None:
        return CheckResult(gold_value == pred_value, pred, "numeric")
    if (gold_value is None) != (pred_value is None) and _is_tuple_like(gold_norm if pred_value is not None else pred_norm):
        # A plain number never equals a tuple, interval or set: skip the parser.
        return CheckResult(False, pred, "mismatch")
    if len(pred) > MAX_VERIFY_CHARS:
        return CheckResult(False, pred, "too_long")
    # math-verify's alarms need the main thread; elsewhere AnswerChecker's deadline is the bound.
    mv_timeout = max(1, math.ceil(timeout_s)) if _in_main_thread() else 0
    from math_verify.errors import TimeoutException

    try:
        if _math_verify_equal(gold, pred, mv_timeout):
            return CheckResult(True, pred, "math_verify")
    except TimeoutException:
        return CheckResult(False, pred, "timeout")
    return CheckResult(False, pred, "mismatch")


# --------------------------------------------------------------------------------------------
# The worker pool
# --------------------------------------------------------------------------------------------


def _worker_main(conn, timeout_s: float, memory_mb: int | None) -> None:
    """A checker process: receive a list of (index, output, gold, kind, choices), send back
    (index, correct, pred, method) after each check so the parent can time every one."""
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    logging.getLogger("math_verify").setLevel(logging.CRITICAL)
    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    # In this process's main thread math-verify's own alarms work: the usual overrun ends in a
    # cheap in-process timeout, and the parent's kill is only the backstop for C-level hangs.
    inner_timeout = max(1, int(timeout_s // 3))
    try:  # load sympy before saying ready, so the first check's deadline is not spent importing
        import math_verify  # noqa: F401
    except ImportError:
        pass
    conn.send("ready")
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if batch is None:
            return
        for index, output, gold, kind, choices in batch:
            try:
                r = check_answer(output, gold, kind, choices, timeout_s=inner_timeout)
                reply = (index, r.correct, r.pred, r.method)
            except MemoryError:
                reply = (index, False, None, "error")
            except Exception as e:  # a bad input is one wrong answer, never a dead run
                reply = (index, False, None, f"error: {type(e).__name__}")
            except BaseException as e:  # math-verify's TimeoutException is a BaseException
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    return
                reply = (index, False, None, "timeout")
            try:
                conn.send(reply)
            except (OSError, ValueError):
                return


class _Worker:
    def __init__(self, ctx, timeout_s: float, memory_mb: int | None):
        parent_conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child_conn, timeout_s, memory_mb), daemon=True, name="octo-answer-checker"
        )
        self.process.start()
        child_conn.close()
        self.conn = parent_conn
        self.ready = False  # it says so once sympy is imported
        self.spawned = time.monotonic()
        self.queue: deque[int] = deque()  # indices sent and not yet answered, in order
        self.started = 0.0  # when the check at the head of the queue began

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


# A worker that has not imported sympy after this long is broken, not slow.
STARTUP_TIMEOUT_S = 120.0


class AnswerChecker:
    """Checks many (output, gold) pairs in worker processes, each check in bounded time.

    Use as a context manager or call close(). Workers start on first use and live until close,
    so a training loop pays the start-up (importing sympy) once. workers=0 checks in this
    process instead (no hard deadline: trusted outputs only). Not thread-safe: one caller.
    """

    def __init__(
        self,
        workers: int | None = None,
        timeout_s: float = 5.0,
        chunk_size: int = 64,
        memory_mb: int | None = 4096,
        start_method: str = "forkserver",
    ):
        if timeout_s <= 0:
            raise ValueError("timeout_s must be > 0")
        if workers is None:
            workers = min(8, os.cpu_count() or 1)
        if workers > 0 and multiprocessing.current_process().daemon:
            # A daemonic process (a datatrove/multiprocessing pool worker) may not have children.
            log.warning("AnswerChecker in a daemonic process: checking in-process, without a hard deadline")
            workers = 0
        self.workers = max(0, workers)
        self.timeout_s = timeout_s
        self.chunk_size = max(1, chunk_size)
        self.memory_mb = memory_mb
        if start_method not in multiprocessing.get_all_start_methods():
            start_method = "spawn"
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Fresh workers fork from a server that already imported sympy: a replacement after a
            # kill is cheap. Ignored if the server already runs; missing modules are skipped.
            self._ctx.set_forkserver_preload(["math_verify", "train.answers"])
        self._pool: list[_Worker] = []
        self.stats = {"checks": 0, "timeouts": 0, "worker_restarts": 0, "errors": 0}

    def __enter__(self) -> "AnswerChecker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for w in self._pool:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in self._pool:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
            w.conn.close()
        self._pool = []

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def check(self, output: str, gold: str, kind: str = "math", choices: Sequence[str] | None = None) -> CheckResult:
        return self.check_many([output], [gold], kind, [choices])[0]

    def check_many(
        self,
        outputs: Sequence[str],
        golds: Sequence[str],
        kinds: str | Sequence[str] = "math",
        choices: Sequence[Sequence[str] | None] | None = None,
    ) -> list[CheckResult]:
        """Check outputs[i] against golds[i]; results in the same order."""
        n = len(outputs)
        if len(golds) != n:
            raise ValueError(f"{n} outputs but {len(golds)} golds")
        kinds = [kinds] * n if isinstance(kinds, str) else list(kinds)
        choices = [None] * n if choices is None else list(choices)
        if len(kinds) != n or len(choices) != n:
            raise ValueError("kinds and choices must have one entry per output")
        for k in set(kinds):
            if k not in KINDS:
                raise ValueError(f"unknown answer kind {k!r} (expected one of {', '.join(KINDS)})")
        items = [
            (i, "" if outputs[i] is None else str(outputs[i]), str(golds[i]), kinds[i],
             None if choices[i] is None else [str(c) for c in choices[i]])
            for i in range(n)
        ]
        results: list[CheckResult | None] = [None] * n
        if self.workers == 0:
            for index, output, gold, kind, choice in items:
                results[index] = check_answer(output, gold, kind, choice, timeout_s=self.timeout_s)
        elif items:
            self._run(items, results)
        self.stats["checks"] += n
        return results  # type: ignore[return-value]

    # -- scheduling -------------------------------------------------------------------------

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, self.timeout_s, self.memory_mb)

    def _run(self, items: list[tuple], results: list[CheckResult | None]) -> None:
        from multiprocessing.connection import wait

        pending: deque[tuple] = deque(items)
        by_index = {item[0]: item for item in items}
        remaining = len(items)
        while len(self._pool) < self.workers:
            self._pool.append(self._spawn())
        while remaining:
            # Hand idle workers a chunk; chunks shrink near the end so no worker idles long.
            for w in self._pool:
                if w.ready and not w.queue and pending:
                    size = min(self.chunk_size, max(1, math.ceil(len(pending) / len(self._pool))))
                    chunk = [pending.popleft() for _ in range(min(size, len(pending)))]
                    w.queue.extend(item[0] for item in chunk)
                    w.started = time.monotonic()
                    try:
                        w.conn.send(chunk)
                    except (OSError, ValueError):  # it died while idle: resend to a new one
                        pending.extendleft(reversed(chunk))
                        w.queue.clear()
                        self._respawn(w)
            waiting = [w for w in self._pool if w.queue or not w.ready]
            deadline = min(w.started + self.timeout_s if w.ready else w.spawned + STARTUP_TIMEOUT_S for w in waiting)
            ready = wait([w.conn for w in waiting], timeout=max(0.0, deadline - time.monotonic()))
            for w in waiting:
                if w.conn in ready:
                    remaining -= self._receive(w, results, pending, by_index)
            now = time.monotonic()
            for w in list(self._pool):
                if not w.ready and now - w.spawned > STARTUP_TIMEOUT_S:
                    raise RuntimeError(f"an answer-checker worker did not start within {STARTUP_TIMEOUT_S:.0f} s")
                if w.ready and w.queue and now - w.started > self.timeout_s:
                    remaining -= self._replace(w, results, pending, by_index, "timeout")

    def _receive(self, w: _Worker, results, pending: deque, by_index: dict) -> int:
        """Read what a worker has sent; returns how many checks finished."""
        done = 0
        try:
            while w.conn.poll():
                msg = w.conn.recv()
                if msg == "ready":
                    w.ready = True
                    continue
                index, correct, pred, method = msg
                if w.queue and w.queue[0] == index:
                    w.queue.popleft()
                results[index] = CheckResult(correct, pred, method)
                done += 1
                if method.startswith("error"):
                    self.stats["errors"] += 1
                elif method == "timeout":
                    self.stats["timeouts"] += 1
                w.started = time.monotonic()
        except (EOFError, OSError):
            if not w.ready:
                raise RuntimeError("an answer-checker worker died while starting (is math-verify installed?)") from None
            # The worker died (segfault, out of memory): its current check fails, the rest of
            # its chunk goes back to the queue.
            if w.queue:
                done += self._replace(w, results, pending, by_index, "error")
            else:
                self._respawn(w)
        return done

    def _respawn(self, w: _Worker) -> None:
        w.kill()
        self._pool[self._pool.index(w)] = self._spawn()
        self.stats["worker_restarts"] += 1

    def _replace(self, w: _Worker, results, pending: deque, by_index: dict, method: str) -> int:
        """Kill a worker, fail its current check with `method`, requeue the rest; returns 1."""
        stuck = w.queue.popleft()
        results[stuck] = CheckResult(False, None, method)
        self.stats["timeouts" if method == "timeout" else "errors"] += 1
        for index in reversed(w.queue):
            pending.appendleft(by_index[index])
        w.queue.clear()
        self._respawn(w)
        log.warning("answer check %d: %s; worker replaced", stuck, method)
        return 1


def check_answers(
    outputs: Sequence[str],
    golds: Sequence[str],
    kinds: str | Sequence[str] = "math",
    choices: Sequence[Sequence[str] | None] | None = None,
    workers: int | None = None,
    timeout_s: float = 5.0,
) -> list[CheckResult]:
    """Check many outputs with a temporary AnswerChecker (each check in bounded time)."""
    with AnswerChecker(workers=workers, timeout_s=timeout_s) as checker:
        return checker.check_many(outputs, golds, kinds, choices)


# --------------------------------------------------------------------------------------------
# The RL reward
# --------------------------------------------------------------------------------------------


class RewardConfig(StrictModel):
    """The rule-based math reward (OctoThinker: +1 correct, -1 wrong or no answer)."""

    correct: float = 1.0
    wrong: float = -1.0
    no_answer: float = -1.0
    # Subtract repetition_penalty x (fraction of repeated word n-grams): degenerate loops.
    repetition_penalty: float = Field(default=0.0, ge=0)
    repetition_ngram: int = Field(default=20, ge=1)
    # Subtract this when an output boxes more than one answer (hedging across candidates).
    multiple_boxed_penalty: float = Field(default=0.0, ge=0)
    # Only a \boxed{} answer counts: an output without one gets `no_answer` even when its
    # "The answer is …" or last number is right (the zero-shot RL template asks for a box).
    require_boxed: bool = False


def repeated_ngram_fraction(text: str, n: int = 20) -> float:
    """Share of word n-grams that repeat an earlier one: 0 for fresh text, near 1 for a loop."""
    words = text.split()
    total = len(words) - n + 1
    if total <= 1:
        return 0.0
    seen = {hash(tuple(words[i : i + n])) for i in range(total)}
    return 1.0 - len(seen) / total


def reward_from_result(output: str, result: CheckResult, config: RewardConfig | None = None) -> float:
    """The reward of one output whose check is done."""
    config = config or RewardConfig()
    if result.pred is None or (config.require_boxed and count_boxed(output or "") == 0):
        reward = config.no_answer
    else:
        reward = config.correct if result.correct else config.wrong
    if config.repetition_penalty:
        reward -= config.repetition_penalty * repeated_ngram_fraction(output or "", config.repetition_ngram)
    if config.multiple_boxed_penalty and count_boxed(output or "") > 1:
        reward -= config.multiple_boxed_penalty
    return reward


def math_reward(
    output: str,
    gold: str,
    kind: str = "math",
    choices: Sequence[str] | None = None,
    config: RewardConfig | None = None,
    checker: AnswerChecker | None = None,
) -> float:
    """The reward of one output. With a checker the check runs under its deadline; without one
    it runs in this process (trusted outputs only)."""
    if checker is not None:
        result = checker.check(output, gold, kind, choices)
    else:
        result = check_answer(output, gold, kind, choices)
    return reward_from_result(output, result, config)


def math_rewards(
    outputs: Sequence[str],
    golds: Sequence[str],
    checker: AnswerChecker,
    kinds: str | Sequence[str] = "math",
    choices: Sequence[Sequence[str] | None] | None = None,
    config: RewardConfig | None = None,
) -> tuple[list[float], list[CheckResult]]:
    """Rewards of a batch of rollouts (one check round trip for the batch) and their checks."""
    results = checker.check_many(outputs, golds, kinds, choices)
    return [reward_from_result(o, r, config) for o, r in zip(outputs, results)], results


__all__ = [
    "AnswerChecker",
    "CheckResult",
    "RewardConfig",
    "check_answer",
    "check_answers",
    "count_boxed",
    "extract_answer",
    "extract_choice",
    "last_boxed",
    "math_reward",
    "math_rewards",
    "normalize_answer",
    "parse_number",
    "repeated_ngram_fraction",
    "reward_from_result",
]

