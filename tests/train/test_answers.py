"""Answer extraction, equivalence, the bounded-time checker pool and the RL reward."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from train.answers import (
    AnswerChecker,
    RewardConfig,
    check_answer,
    count_boxed,
    extract_answer,
    last_boxed,
    math_reward,
    math_rewards,
    normalize_answer,
    parse_number,
    repeated_ngram_fraction,
)

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "benchmarks"


def _jsonl(path: Path) -> list[dict]:
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return [json.loads(line) for line in path.open(encoding="utf-8")]


# ---------------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("so $\\boxed{\\frac{1}{\\sqrt{2}}}$.", "\\frac{1}{\\sqrt{2}}"),
        ("first \\boxed{1}, finally \\boxed{2}", "2"),
        ("\\fbox{3}", "3"),
        ("thus \\boxed 5$ done", "5"),
        ("\\boxed{\\{1,2\\}}", "\\{1,2\\}"),
        ("\\boxed{3} then a broken \\boxed{4", "3"),  # the last box never closes
        ("\\boxed{}", ""),
        ("no box here", None),
    ],
)
def test_last_boxed(text, expected):
    assert last_boxed(text) == expected


@pytest.mark.parametrize(
    "text, kind, expected",
    [
        ("Final Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct.", "math", "-\\frac{2}{3}"),
        ("She makes 9 * 2 = $<<9*2=18>>18.\n#### 18", "number", "18"),
        ("So 23 - 15 is 8. The answer is 8.", "number", "8"),
        ("The answer is $1,234 dollars.", "number", "1234"),
        ("The answer is 1.5. Next question", "math", "1.5"),
        ("there are 5 and then 7 apples", "number", "7"),  # last number as the fallback
        ("We get \\boxed{18} apples. The answer is 17.", "number", "18"),  # a box wins
        ("nothing numeric", "math", None),
        ("", "math", None),
    ],
)
def test_extract_answer(text, kind, expected):
    assert extract_answer(text, kind) == expected


@pytest.mark.parametrize(
    "text, choices, expected",
    [
        ("Since 2^5 = 32, k = 5. The answer is (B).", None, "B"),
        ("I choose \\boxed{\\text{(D)}}", None, "D"),
        ("(A) is wrong because ..., so (C).", None, "C"),
        ("B", None, "B"),
        ("The product is \\boxed{12}", ["10", "12", "14"], "B"),  # the value, not the letter
        ("The answer is (E).", ["1", "2", "3", "4"], None),  # only four options
        ("no choice made", None, None),
    ],
)
def test_extract_choice(text, choices, expected):
    assert extract_answer(text, "choice", choices) == expected


def test_count_boxed():
    assert count_boxed("\\boxed{1} or \\boxed{2} or \\fbox{3}") == 3
    assert count_boxed("\\boxedx") == 0


# ---------------------------------------------------------------------------------------------
# Equivalence
# ---------------------------------------------------------------------------------------------

EQUIVALENT = [
    # fractions and decimals
    ("\\frac{1}{2}", "0.5"), ("\\dfrac{1}{2}", "\\frac12"), ("1/2", "\\frac{1}{2}"), ("\\tfrac{3}{4}", "0.75"),
    ("0.750", "\\frac34"), ("2.50", "2.5"), ("1.5", "\\frac{3}{2}"), ("-\\frac{2}{3}", "-\\frac23"),
    ("\\frac{-2}{3}", "-\\frac{2}{3}"), (".5", "0.5"),
    # sets, intervals, tuples, matrices
    ("\\{1, 2, 3\\}", "\\{3,2,1\\}"), ("[2, 5)", "[2,5)"), ("(-\\infty, 3]", "(-\\infty,3]"), ("x \\in [2,5)", "[2,5)"),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"),
    ("\\begin{bmatrix} 1 & 0 \\\\ 0 & 1 \\end{bmatrix}", "\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}"),
    # units, percentages, degrees, money, text
    ("5\\text{ cm}", "5"), ("5 \\text{ cm}^2", "5"), ("18 dollars", "18"), ("\\$18", "18"),
    ("50\\%", "50"), ("50%", "50\\%"), ("30^\\circ", "30"), ("30^{\\circ}", "30"),
    ("\\text{Evelyn}", "\\text{Evelyn}"), ("Evelyn", "\\text{Evelyn}"), ("C", "\\text{(C)}"), ("odd", "\\text{odd}"),
    # the variable named, thousands, radicals, algebra
    ("x = 5", "5"), ("y=-3", "-3"), ("1,000", "1000"), ("1{,}000", "1000"),
    ("\\sqrt{2}/2", "\\frac{\\sqrt{2}}{2}"), ("2\\sqrt3", "2\\sqrt{3}"), ("\\sqrt{12}", "2\\sqrt{3}"),
    ("\\pi/2", "\\frac{\\pi}{2}"), ("x^2+2x+1", "(x+1)^2"), ("3+4i", "3+4i"), ("4210_{5}", "4210_5"),
]

NOT_EQUIVALENT = [
    ("6", "5"), ("\\frac{1}{3}", "0.33"), ("(1,2)", "(2,1)"), ("[2,5]", "[2,5)"), ("\\{1,2\\}", "\\{1,2,3\\}"),
    ("x+1", "x-1"), ("10", "1"), ("0.5", "5"), ("12\\%", "0.12"), ("5", "(5,6)"), ("\\text{Bob}", "\\text{Evelyn}"),
]


@pytest.mark.parametrize("pred, gold", EQUIVALENT)
def test_equivalent_answers(pred, gold):
    result = check_answer(f"Therefore the answer is $\\boxed{{{pred}}}$.", gold)
    assert result.correct, result


@pytest.mark.parametrize("pred, gold", NOT_EQUIVALENT)
def test_different_answers(pred, gold):
    result = check_answer(f"Therefore the answer is $\\boxed{{{pred}}}$.", gold)
    assert not result.correct, result


def test_fast_paths_skip_the_parser():
    assert check_answer("\\boxed{\\dfrac{1}{2}}", "\\frac12").method == "exact"
    assert check_answer("The answer is 0.50.", "\\frac{1}{2}", "number").method == "numeric"
    assert check_answer("\\boxed{(1,2)}", "5").method == "mismatch"
    assert check_answer("\\boxed{\\sqrt{12}}", "2\\sqrt{3}").method == "math_verify"


def test_normalize_and_parse_number():
    assert normalize_answer("\\left( 1, 2 \\right)") == "(1,2)"
    assert normalize_answer("10\\%") == "10"
    assert normalize_answer("\\text{(C)}") == "C"
    assert parse_number(normalize_answer("\\frac{6}{8}")) == Fraction(3, 4)
    assert parse_number(normalize_answer("1,000.50")) == Fraction(2001, 2)
    assert parse_number("\\frac{1}{0}") is None
    assert parse_number("x") is None


def test_choice_check():
    assert check_answer("The answer is (B).", "B", "choice").correct
    assert not check_answer("The answer is (C).", "B", "choice").correct
    assert check_answer("\\boxed{14}", "C", "choice", ["10", "12", "14", "16"]).correct


def test_unknown_kind_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown answer kind"):
        check_answer("\\boxed{1}", "1", "integer")


# ---------------------------------------------------------------------------------------------
# Real reference solutions: every one scored as a model output is right, a shifted one is wrong
# ---------------------------------------------------------------------------------------------


def _same_gold(a: str, b: str) -> bool:
    na, nb = normalize_answer(a), normalize_answer(b)
    return na == nb or (parse_number(na) is not None and parse_number(na) == parse_number(nb))


def _reference_rates(outputs: list[str], golds: list[str], kind: str) -> tuple[float, float, float]:
    """(share of reference solutions judged right, share of solutions judged right against the
    next problem's gold, the same counting only pairs whose two golds differ)."""
    shifted_golds = golds[1:] + golds[:1]
    with AnswerChecker(workers=2) as checker:
        results = checker.check_many(outputs + outputs, golds + shifted_golds, kind)
    n = len(outputs)
    right = sum(r.correct for r in results[:n]) / n
    shifted_right = sum(r.correct for r in results[n:]) / n
    false_pos = sum(r.correct and not _same_gold(g, s) for r, g, s in zip(results[n:], golds, shifted_golds)) / n
    return right, shifted_right, false_pos


def test_gsm8k_reference_solutions():
    rows = _jsonl(BENCH / "gsm8k" / "test.jsonl")
    golds = [r["answer"].rsplit("####", 1)[1].strip().replace(",", "") for r in rows]
    right, shifted_right, false_pos = _reference_rates([r["answer"] for r in rows], golds, "number")
    assert right >= 0.99
    # 1.1% of neighbouring GSM8K problems share their answer, so count only pairs that differ.
    assert false_pos <= 0.01


def test_math500_reference_solutions():
    rows = _jsonl(BENCH / "math500" / "test.jsonl")
    right, shifted_right, false_pos = _reference_rates([r["solution"] for r in rows], [r["answer"] for r in rows], "math")
    assert right >= 0.99
    assert shifted_right <= 0.01
    assert false_pos <= 0.01


# ---------------------------------------------------------------------------------------------
# Bounded time
# ---------------------------------------------------------------------------------------------

ADVERSARIAL = [
    "\\boxed{9^9^9^9}",
    "\\boxed{9^{9^{9^{9}}}}",
    "\\boxed{" + "{" * 10_000 + "1" + "}" * 10_000 + "}",  # 10,000 nested braces
    "\\boxed{" * 10_000,  # 10,000 boxes that never close
    "{" * 10_000 + "}" * 5_000,
    "x" * 1_000_000 + " The answer is 7",  # 1 MB output
    "\\boxed{" + "+".join(["x"] * 3000) + "}",
    "\\boxed{100000000!}",  # sympy works until math-verify's own alarm
    "\\boxed{(x+1)^{10000}}",
]


@pytest.mark.timeout(180)
def test_adversarial_outputs_finish():
    with AnswerChecker(workers=1, timeout_s=3) as checker:
        results = checker.check_many(ADVERSARIAL, ["1"] * len(ADVERSARIAL))
        assert len(results) == len(ADVERSARIAL)
        assert not any(r.correct for r in results)
        # The pool still works afterwards.
        assert checker.check("so \\boxed{\\frac{1}{2}}", "0.5").correct


@pytest.mark.timeout(120)
def test_stuck_check_is_killed_and_the_batch_continues():
    # A 0.5 s deadline is shorter than math-verify's own 1 s alarm, so the parent must kill the
    # worker in the middle of `100000000!` and resend the rest of the chunk to a new one.
    outputs = ["\\boxed{2}", "\\boxed{100000000!}", "\\boxed{3}", "\\boxed{4}"]
    with AnswerChecker(workers=1, timeout_s=0.5) as checker:
        results = checker.check_many(outputs, ["2", "1", "3", "4"])
        assert [r.correct for r in results] == [True, False, True, True]
        assert results[1].method == "timeout"
        assert checker.stats["worker_restarts"] >= 1
        assert checker.check("\\boxed{5}", "5").correct


def test_a_worker_killed_between_calls_is_replaced():
    import os
    import signal

    with AnswerChecker(workers=1) as checker:
        assert checker.check("\\boxed{1}", "1").correct
        worker = checker._pool[0].process
        os.kill(worker.pid, signal.SIGKILL)  # as the kernel's OOM killer would
        worker.join(timeout=10)
        results = checker.check_many(["\\boxed{2}", "\\boxed{3}"], ["2", "3"])
        assert [r.correct for r in results] == [True, True]
        assert checker.stats["worker_restarts"] == 1


def test_checker_input_errors():
    with AnswerChecker(workers=1) as checker:
        with pytest.raises(ValueError, match="golds"):
            checker.check_many(["a"], ["1", "2"])
        with pytest.raises(ValueError, match="unknown answer kind"):
            checker.check_many(["a"], ["1"], "integer")
        assert checker.check_many([], []) == []
        assert checker.check(None, "1").method == "no_answer"  # type: ignore[arg-type]


def test_in_process_mode_gives_the_same_answers():
    outputs = ["\\boxed{\\frac{1}{2}}", "The answer is 7.", "\\boxed{\\sqrt{12}}", "The answer is (B)."]
    golds, kinds = ["0.5", "8", "2\\sqrt{3}", "B"], ["math", "number", "math", "choice"]
    with AnswerChecker(workers=0) as inline, AnswerChecker(workers=1) as pooled:
        assert inline.check_many(outputs, golds, kinds) == pooled.check_many(outputs, golds, kinds)
        assert [r.correct for r in inline.check_many(outputs, golds, kinds)] == [True, False, True, True]


# ---------------------------------------------------------------------------------------------
# Reward
# ---------------------------------------------------------------------------------------------


def test_reward_octothinker_defaults():
    assert math_reward("so \\boxed{4}", "4") == 1.0
    assert math_reward("so \\boxed{5}", "4") == -1.0
    assert math_reward("I do not know", "4") == -1.0


def test_reward_penalties():
    config = RewardConfig(multiple_boxed_penalty=0.5, repetition_penalty=1.0, repetition_ngram=3)
    assert math_reward("\\boxed{3} or \\boxed{4}", "4", config=config) == pytest.approx(0.5)
    loop = "we add one more " * 50 + "\\boxed{4}"
    fraction = repeated_ngram_fraction(loop, 3)
    assert fraction > 0.9
    assert math_reward(loop, "4", config=config) == pytest.approx(1.0 - fraction)
    assert repeated_ngram_fraction("a b c d e f", 3) == 0.0
    boxed_only = RewardConfig(require_boxed=True, no_answer=-2.0)
    assert math_reward("The answer is 4.", "4") == 1.0
    assert math_reward("The answer is 4.", "4", config=boxed_only) == -2.0
    assert math_reward("so \\boxed{4}", "4", config=boxed_only) == 1.0


def test_batch_rewards_through_the_pool():
    with AnswerChecker(workers=1) as checker:
        rewards, results = math_rewards(["\\boxed{1}", "\\boxed{2}", "nothing"], ["1", "1", "1"], checker)
    assert rewards == [1.0, -1.0, -1.0]
    assert [r.method for r in results] == ["exact", "numeric", "no_answer"]
    with pytest.raises(Exception):
        RewardConfig(unknown_field=1)  # strict config: a typo is an error
