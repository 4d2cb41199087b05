"""Math benchmarks by name: loaders for the formats they are published in, and prompts.

    load_benchmark("gsm8k", "test.jsonl") -> [Problem(id, question, gold, kind, choices, ...)]
    build_prompt(problem, "gsm8k", shots=8)  -> the few-shot (or zero-shot) prompt text
    stop_strings("gsm8k", shots=8)           -> where a few-shot completion ends

Each loader reads the gold answer the way its benchmark stores it: GSM8K's "#### N", the last
\\boxed{} of a MATH solution, OlympiadBench's list of "$…$" answers, ASDiv's "9 (apples)",
MMLU's choice index, MathQA's "a ) 5 , b ) 6" options. Files are .jsonl, .json (a list, a dict of
records as TabMWP ships, or {"data": [...]}) or .parquet; a Hugging Face dataset id
("owner/name[:config][@split]") loads through `datasets` when online.

Problem.kind says how to check an answer (train.answers): "number" (GSM8K-style word problems),
"math" (LaTeX answers) or "choice" (an option letter).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from train.answers import extract_answer, last_boxed, normalize_answer, parse_number


class BenchmarkError(ValueError):
    """A benchmark name, file or record we cannot use (one line, for the CLI)."""


@dataclass
class Problem:
    id: str
    question: str
    gold: str
    kind: str = "math"  # math | number | choice
    choices: list[str] | None = None
    solution: str | None = None  # the reference solution, where the benchmark has one
    meta: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Reading records
# --------------------------------------------------------------------------------------------


def _records_from_json(data: Any, path: Path) -> list[dict]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("data", "examples", "test", "problems", "instances"):
            if isinstance(data.get(key), list):
                return data[key]
        if data and all(isinstance(v, dict) for v in data.values()):
            # TabMWP's problems_test.json: {"pid": {...}, ...}
            return [{"id": k, **v} for k, v in data.items()]
    raise BenchmarkError(f"{path}: expected a list of records")


def _json_lines(text: str, path: Path) -> list[dict]:
    records = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise BenchmarkError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
        if not isinstance(rec, dict):
            raise BenchmarkError(f"{path}:{lineno}: expected a JSON object")
        records.append(rec)
    return records


def read_records(path: str | Path) -> list[dict]:
    """Records of a local .jsonl / .json / .parquet file (optionally .gz)."""
    path = Path(path)
    if not path.is_file():
        raise BenchmarkError(f"{path}: no such file")
    gz = path.suffix == ".gz"
    suffix = path.suffixes[-2] if gz and len(path.suffixes) > 1 else path.suffix
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return pq.read_table(path).to_pylist()
        except Exception as e:
            raise BenchmarkError(f"{path}: not a readable parquet file ({type(e).__name__})") from None
    try:
        if gz:
            import gzip

            with gzip.open(path, "rt", encoding="utf-8") as f:
                text = f.read()
        else:
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BenchmarkError(f"{path}: unreadable ({type(e).__name__})") from None
    if suffix == ".jsonl":
        return _json_lines(text, path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg == "Extra data":  # JSON lines under another name
            return _json_lines(text, path)
        raise BenchmarkError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    return _records_from_json(data, path)


_HF_ID = re.compile(r"^[\w.-]+/[\w.-]+(?::[\w.-]+)?(?:@[\w.\[\]:%+-]+)?$")


def _load_hf(ref: str, default_split: str = "test") -> list[dict]:
    """"owner/name[:config][@split]" through `datasets` (needs the network or its cache)."""
    name, _, split = ref.partition("@")
    name, _, config = name.partition(":")
    try:
        import datasets
    except ImportError:
        raise BenchmarkError(f"{ref}: loading a Hugging Face dataset needs `pip install datasets`") from None
    import logging

    # The hub client logs every retry; the one-line error below says what failed.
    for logger in ("huggingface_hub", "datasets"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    try:
        ds = datasets.load_dataset(name, config or None, split=split or default_split)
    except Exception as e:  # offline, unknown id, bad split: one line
        raise BenchmarkError(f"{ref}: cannot load from the Hugging Face hub ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
    return [dict(r) for r in ds]


# --------------------------------------------------------------------------------------------
# Field helpers
# --------------------------------------------------------------------------------------------


def _get(rec: dict, *names: str, required: bool = True) -> Any:
    """The first present field among names, matching case-insensitively."""
    lower = {str(k).lower(): k for k in rec}
    for name in names:
        key = name if name in rec else lower.get(name.lower())
        if key is not None and rec[key] is not None:
            return rec[key]
    if required:
        raise KeyError(names[0])
    return None


def _number_text(value: Any) -> str:
    """27.0 -> "27", "1,000" -> "1000": a number written the way an answer is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    s = str(value).strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    if re.fullmatch(r"-?\d+\.0+", s):
        s = s.split(".")[0]
    return s


def _strip_dollars(s: str) -> str:
    s = str(s).strip()
    if len(s) >= 2 and s.startswith("$") and s.endswith("$"):
        s = s.strip("$").strip()
    return s


def _kind_for(gold: str) -> str:
    """Word-problem benchmarks are "number" when the gold is a number, else "math"."""
    return "number" if parse_number(normalize_answer(gold)) is not None else "math"


def _record_id(rec: dict, index: int) -> str:
    value = _get(rec, "id", "idx", "unique_id", "pid", "ID", "qid", required=False)
    return str(index if value is None else value)


# --------------------------------------------------------------------------------------------
# One converter per published format
# --------------------------------------------------------------------------------------------


def _gsm8k(rec: dict, i: int) -> Problem:
    answer = str(_get(rec, "answer"))
    if "####" not in answer:
        raise KeyError("answer with '#### N'")
    gold = _number_text(answer.rsplit("####", 1)[1].strip())
    return Problem(_record_id(rec, i), str(_get(rec, "question")).strip(), gold, _kind_for(gold), solution=answer)


def _math(rec: dict, i: int) -> Problem:
    """MATH / MATH-500 / Minerva OCW: problem + solution (+ answer)."""
    question = str(_get(rec, "problem", "question"))
    solution = _get(rec, "solution", required=False)
    gold = _get(rec, "answer", "final_answer", required=False)
    if isinstance(gold, list):
        gold = ", ".join(_strip_dollars(g) for g in gold)
    if gold is None or str(gold).strip() == "":
        if solution is None:
            raise KeyError("answer (or a solution with \\boxed{})")
        gold = last_boxed(str(solution)) or extract_answer(str(solution), "math")
        if gold is None:
            raise KeyError("solution with a final answer")
    meta = {k: rec[k] for k in ("level", "subject", "type") if k in rec}
    return Problem(_record_id(rec, i), question.strip(), _strip_dollars(str(gold)), "math",
                   solution=None if solution is None else str(solution), meta=meta)


def _olympiadbench(rec: dict, i: int) -> Problem:
    answers = _get(rec, "final_answer", "answer")
    if isinstance(answers, str):
        answers = [answers]
    gold = ", ".join(_strip_dollars(a) for a in answers)
    question = str(_get(rec, "question", "problem")).strip()
    context = _get(rec, "context", required=False)
    if context:
        question = f"{str(context).strip()}\n{question}"
    meta = {k: rec[k] for k in ("unit", "subfield", "answer_type", "is_multiple_answer") if rec.get(k) is not None}
    return Problem(_record_id(rec, i), question, gold, "math", meta=meta)


def _answer_field(rec: dict, i: int) -> Problem:
    """AIME 2024, AMC 2023, College Math, Gaokao 2023 EN: question/problem + answer."""
    question = str(_get(rec, "question", "problem")).strip()
    raw = _get(rec, "answer", "final_answer")
    if isinstance(raw, list):
        raw = ", ".join(_strip_dollars(a) for a in raw)
    gold = _number_text(raw) if isinstance(raw, (int, float)) else _strip_dollars(str(raw))
    if re.fullmatch(r"[A-E]", gold.strip()):
        return Problem(_record_id(rec, i), question, gold.strip(), "choice")
    solution = _get(rec, "solution", required=False)
    return Problem(_record_id(rec, i), question, gold, "math", solution=None if solution is None else str(solution))


def _svamp(rec: dict, i: int) -> Problem:
    body = str(_get(rec, "Body", "body")).strip()
    if body and not body.endswith("."):
        body += "."
    question = f"{body} {str(_get(rec, 'Question', 'question')).strip()}".strip()
    gold = _number_text(_get(rec, "Answer", "answer"))
    return Problem(_record_id(rec, i), question, gold, _kind_for(gold), meta={"equation": rec.get("Equation")})


def _asdiv(rec: dict, i: int) -> Problem:
    body = str(_get(rec, "body", "Body")).strip()
    question = f"{body} {str(_get(rec, 'question', 'Question')).strip()}".strip()
    # "9 (apples)", "2:3 (ratio)": the parenthesised unit is not part of the answer.
    gold = re.sub(r"\s*\([^()]*\)", "", str(_get(rec, "answer", "Answer"))).strip()
    gold = _number_text(gold)
    return Problem(_record_id(rec, i), question, gold, _kind_for(gold), meta={"formula": rec.get("formula")})


def _mawps(rec: dict, i: int) -> Problem:
    question = str(_get(rec, "input", "question", "original_text")).strip()
    gold = _number_text(_get(rec, "target", "answer", "result"))
    return Problem(_record_id(rec, i), question, gold, _kind_for(gold))


def _tabmwp(rec: dict, i: int) -> Problem:
    title = _get(rec, "table_title", required=False)
    intro = f'Read the following table regarding "{title}" and answer a question:' if title else "Read the following table and answer a question:"
    question = f"{intro}\n{_get(rec, 'table')}\n{str(_get(rec, 'question')).strip()}"
    choices = _get(rec, "choices", required=False)
    if choices:
        question += " Please select from the following options: " + ", ".join(str(c) for c in choices)
    raw = str(_get(rec, "answer")).strip()
    ans_type = str(_get(rec, "ans_type", required=False) or "")
    gold = raw
    if ans_type in ("integer_number", "decimal_number"):
        gold = _number_text(raw)
        if gold.endswith("%"):
            gold = gold[:-1]
    unit = _get(rec, "unit", required=False)
    kind = "number" if parse_number(normalize_answer(gold)) is not None else "math"
    return Problem(_record_id(rec, i), question, gold, kind, solution=rec.get("solution"),
                   meta={"ans_type": ans_type, "unit": unit})


def _letter(value: Any, n_choices: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < n_choices:
            raise KeyError("answer index within the choices")
        return "ABCDEFGHIJ"[value]
    s = str(value).strip().strip("()").upper()
    if not re.fullmatch(r"[A-J]", s):
        raise KeyError("answer as an option letter or index")
    return s


def _mmlu(rec: dict, i: int) -> Problem:
    choices = [str(c) for c in _get(rec, "choices", "options")]
    gold = _letter(_get(rec, "answer", "target"), len(choices))
    meta = {"subject": rec.get("subject")} if rec.get("subject") else {}
    return Problem(_record_id(rec, i), str(_get(rec, "question")).strip(), gold, "choice", choices=choices, meta=meta)


_SAT_OPTION = re.compile(r"(?:^|\s)\(?([A-E])\)\s*")


def _split_lettered_options(options: str) -> list[str]:
    """"A) 5 B) 6 C) 7" or "(A) 5 (B) 6" -> ["5", "6", "7"]."""
    parts = _SAT_OPTION.split(" " + options.strip())
    # parts: [prefix, "A", text, "B", text, ...]
    texts = [parts[k + 1].strip() for k in range(1, len(parts) - 1, 2)]
    return texts


def _sat_math(rec: dict, i: int) -> Problem:
    raw = _get(rec, "options", "choices")
    choices = [str(c) for c in raw] if isinstance(raw, list) else _split_lettered_options(str(raw))
    if not choices:
        raise KeyError("options like 'A) ... B) ...'")
    gold = _letter(_get(rec, "Answer", "answer"), len(choices))
    return Problem(_record_id(rec, i), str(_get(rec, "question")).strip(), gold, "choice", choices=choices)


_MATHQA_OPTION = re.compile(r"([a-e])\s*\)\s*(.*?)\s*(?=,\s*[a-e]\s*\)|$)", re.DOTALL)


def _mathqa(rec: dict, i: int) -> Problem:
    raw = _get(rec, "options")
    if isinstance(raw, list):
        raw = " , ".join(str(o) for o in raw)
    raw = str(raw).strip().strip("[]").replace("'", "")
    choices = [text.strip().rstrip(",").strip() for _, text in _MATHQA_OPTION.findall(raw)]
    if len(choices) < 2:
        raise KeyError("options like 'a ) 5 , b ) 6'")
    question = str(_get(rec, "Problem", "problem", "question")).strip()
    question = question[:1].upper() + question[1:]
    gold = _letter(_get(rec, "correct", "answer"), len(choices))
    return Problem(_record_id(rec, i), question, gold, "choice", choices=choices,
                   solution=rec.get("Rationale") or rec.get("rationale"))


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------

MMLU_STEM_SUBJECTS = (
    "abstract_algebra", "anatomy", "astronomy", "college_biology", "college_chemistry",
    "college_computer_science", "college_mathematics", "college_physics", "computer_security",
    "conceptual_physics", "electrical_engineering", "elementary_mathematics", "high_school_biology",
    "high_school_chemistry", "high_school_computer_science", "high_school_mathematics",
    "high_school_physics", "high_school_statistics", "machine_learning",
)


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    convert: Callable[[dict, int], Problem]
    prompt: str  # few-shot family: gsm8k | minerva | choice
    shots: int  # the standard number of few-shot examples
    fields: str  # what a record must hold, for error messages
    hf: str | None = None  # default source when --data is not given: "owner/name[:config][@split]"
    record_filter: Callable[[dict], bool] | None = None


def _is_stem(rec: dict) -> bool:
    return rec.get("subject") in MMLU_STEM_SUBJECTS


BENCHMARKS: dict[str, BenchmarkSpec] = {
    s.name: s
    for s in [
        BenchmarkSpec("gsm8k", _gsm8k, "gsm8k", 8, "question, answer ending in '#### N'", "openai/gsm8k:main@test"),
        BenchmarkSpec("math", _math, "minerva", 4, "problem, solution with \\boxed{} (or answer)", "DigitalLearningGmbH/MATH-lighteval@test"),
        BenchmarkSpec("math500", _math, "minerva", 4, "problem, solution, answer", "HuggingFaceH4/MATH-500@test"),
        BenchmarkSpec("minerva_math", _math, "minerva", 4, "problem, solution (or answer)", "math-ai/minervamath@test"),
        BenchmarkSpec("olympiadbench", _olympiadbench, "minerva", 4, "question, final_answer list", "Hothan/OlympiadBench:OE_TO_maths_en_COMP@train"),
        BenchmarkSpec("aime24", _answer_field, "minerva", 4, "problem, answer", "HuggingFaceH4/aime_2024@train"),
        BenchmarkSpec("amc23", _answer_field, "minerva", 4, "question, answer", "math-ai/amc23@test"),
        BenchmarkSpec("college_math", _answer_field, "minerva", 4, "question, answer"),
        BenchmarkSpec("gaokao2023en", _answer_field, "minerva", 4, "question, answer"),
        BenchmarkSpec("svamp", _svamp, "gsm8k", 8, "Body, Question, Answer", "ChilleD/SVAMP@test"),
        BenchmarkSpec("asdiv", _asdiv, "gsm8k", 8, "body, question, answer like '9 (apples)'", "EleutherAI/asdiv@validation"),
        BenchmarkSpec("mawps", _mawps, "gsm8k", 8, "input, target"),
        BenchmarkSpec("tabmwp", _tabmwp, "gsm8k", 8, "table, question, answer, ans_type"),
        BenchmarkSpec("mmlu_stem", _mmlu, "choice", 4, "question, choices, answer index", "cais/mmlu:all@test", _is_stem),
        BenchmarkSpec("sat_math", _sat_math, "choice", 4, "question, options 'A) … B) …', Answer"),
        BenchmarkSpec("mathqa", _mathqa, "choice", 4, "Problem, options 'a ) … , b ) …', correct"),
    ]
}


def load_benchmark(name: str, path: str | Path | None = None, limit: int | None = None) -> list[Problem]:
    """The problems of a benchmark, from a local file, a Hugging Face id, or its default source."""
    spec = BENCHMARKS.get(name)
    if spec is None:
        raise BenchmarkError(f"unknown benchmark {name!r} (known: {', '.join(BENCHMARKS)})")
    source = str(path) if path is not None else spec.hf
    if source is None:
        raise BenchmarkError(f"{name}: no default source; pass --data FILE")
    if Path(source).exists() or not _HF_ID.match(source):
        records = read_records(source)
    else:
        records = _load_hf(source)
        if spec.record_filter is not None:
            records = [r for r in records if spec.record_filter(r)]
    problems = []
    for i, rec in enumerate(records):
        if limit is not None and len(problems) >= limit:
            break
        try:
            problems.append(spec.convert(rec, i))
        except KeyError as e:
            raise BenchmarkError(f"{source} record {i}: no {e.args[0]!s} field ({name} expects {spec.fields})") from None
        except (TypeError, ValueError, AttributeError) as e:
            raise BenchmarkError(f"{source} record {i}: unreadable as {name} ({type(e).__name__}: {e})") from None
    if not problems:
        raise BenchmarkError(f"{source}: no problems")
    return problems


# --------------------------------------------------------------------------------------------
# Prompts
# --------------------------------------------------------------------------------------------

# The 8 chain-of-thought exemplars of Wei et al. (2022), the standard GSM8K 8-shot prompt.
GSM8K_EXEMPLARS = [
    ("There are 15 trees in the grove. Grove workers will plant trees in the grove today. After they are done, there will be 21 trees. How many trees did the grove workers plant today?",
     "There are 15 trees originally. Then there were 21 trees after some more were planted. So there must have been 21 - 15 = 6. The answer is 6."),
    ("If there are 3 cars in the parking lot and 2 more cars arrive, how many cars are in the parking lot?",
     "There are originally 3 cars. 2 more cars arrive. 3 + 2 = 5. The answer is 5."),
    ("Leah had 32 chocolates and her sister had 42. If they ate 35, how many pieces do they have left in total?",
     "Originally, Leah had 32 chocolates. Her sister had 42. So in total they had 32 + 42 = 74. After eating 35, they had 74 - 35 = 39. The answer is 39."),
    ("Jason had 20 lollipops. He gave Denny some lollipops. Now Jason has 12 lollipops. How many lollipops did Jason give to Denny?",
     "Jason started with 20 lollipops. Then he had 12 after giving some to Denny. So he gave Denny 20 - 12 = 8. The answer is 8."),
    ("Shawn has five toys. For Christmas, he got two toys each from his mom and dad. How many toys does he have now?",
     "Shawn started with 5 toys. If he got 2 toys each from his mom and dad, then that is 4 more toys. 5 + 4 = 9. The answer is 9."),
    ("There were nine computers in the server room. Five more computers were installed each day, from monday to thursday. How many computers are now in the server room?",
     "There were originally 9 computers. For each of 4 days, 5 more computers were added. So 5 * 4 = 20 computers were added. 9 + 20 is 29. The answer is 29."),
    ("Michael had 58 golf balls. On tuesday, he lost 23 golf balls. On wednesday, he lost 2 more. How many golf balls did he have at the end of wednesday?",
     "Michael started with 58 golf balls. After losing 23 on tuesday, he had 58 - 23 = 35. After losing 2 more, he had 35 - 2 = 33 golf balls. The answer is 33."),
    ("Olivia has $23. She bought five bagels for $3 each. How much money does she have left?",
     "Olivia had 23 dollars. 5 bagels for 3 dollars each will be 5 x 3 = 15 dollars. So she has 23 - 15 dollars left. 23 - 15 is 8. The answer is 8."),
]

# The 4 exemplars of the Minerva MATH prompt (Lewkowycz et al., 2022).
MINERVA_EXEMPLARS = [
    ("Find the domain of the expression  $\\frac{\\sqrt{x-2}}{\\sqrt{5-x}}$.",
     "The expressions inside each square root must be non-negative. Therefore, $x-2 \\ge 0$, so $x\\ge2$, and $5 - x \\ge 0$, so $x \\le 5$. Also, the denominator cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of the expression is $\\boxed{[2,5)}$.\nFinal Answer: The final answer is $[2,5)$. I hope it is correct."),
    ("If $\\det \\mathbf{A} = 2$ and $\\det \\mathbf{B} = 12,$ then find $\\det (\\mathbf{A} \\mathbf{B}).$",
     "We have that $\\det (\\mathbf{A} \\mathbf{B}) = (\\det \\mathbf{A})(\\det \\mathbf{B}) = (2)(12) = \\boxed{24}.$\nFinal Answer: The final answer is $24$. I hope it is correct."),
    ("Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights instead, how many times must Terrell lift them in order to lift the same total weight?",
     "If Terrell lifts two 20-pound weights 12 times, he lifts a total of $2\\cdot 12\\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead for $n$ times, he will lift a total of $2\\cdot15\\cdot n=30n$ pounds of weight.  Equating this to 480 pounds, we can solve for $n$:\n\\begin{align*}\n30n&=480\\\\\n\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n\\end{align*}\nFinal Answer: The final answer is $16$. I hope it is correct."),
    ("If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\\\n6y-9x &=b.\n\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero, find $\\frac{a}{b},$ assuming $b$ is nonzero.",
     "If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n$$6y-9x=-\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$\nFinal Answer: The final answer is $-\\frac{2}{3}$. I hope it is correct."),
]

# Our own multiple-choice exemplars (short reasoning, then "The answer is (X).").
CHOICE_EXEMPLARS = [
    ("What is the value of $3x + 2$ when $x = 4$?", ["10", "12", "14", "16"],
     "Substituting $x = 4$ gives $3 \\cdot 4 + 2 = 14$. The answer is (C)."),
    ("A rectangle has length 8 and width 5. What is its area?", ["40", "13", "26", "45"],
     "The area of a rectangle is its length times its width, $8 \\times 5 = 40$. The answer is (A)."),
    ("Which of the following numbers is prime?", ["21", "27", "33", "29"],
     "$21 = 3 \\cdot 7$, $27 = 3^3$ and $33 = 3 \\cdot 11$ are composite, while 29 has no divisor other than 1 and itself. The answer is (D)."),
    ("If $2^k = 32$, what is $k$?", ["4", "5", "6", "16"],
     "Since $2^5 = 32$, $k = 5$. The answer is (B)."),
]

BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
CHOICE_INSTRUCTION = "Please reason step by step, and put the letter of the correct option within \\boxed{}."


def format_choices(choices: list[str]) -> str:
    return " ".join(f"({letter}) {str(c).strip()}" for letter, c in zip("ABCDEFGHIJ", choices))


def _question_block(problem: Problem) -> str:
    if problem.choices:
        return f"{problem.question}\nAnswer Choices: {format_choices(problem.choices)}"
    return problem.question


def prompt_family(benchmark: str, problem: Problem | None = None) -> str:
    """gsm8k | minerva | choice: which few-shot exemplars a problem gets."""
    if problem is not None and problem.kind == "choice":
        return "choice"
    return BENCHMARKS[benchmark].prompt if benchmark in BENCHMARKS else "minerva"


def default_shots(benchmark: str) -> int:
    return BENCHMARKS[benchmark].shots if benchmark in BENCHMARKS else 4


def _fewshot(family: str, problem: Problem, shots: int) -> str:
    if family == "gsm8k":
        parts = [f"Question: {q}\nAnswer: {a}\n\n" for q, a in GSM8K_EXEMPLARS[:shots]]
        return "".join(parts) + f"Question: {_question_block(problem)}\nAnswer:"
    if family == "choice":
        parts = [f"Question: {q}\nAnswer Choices: {format_choices(c)}\nAnswer: {a}\n\n" for q, c, a in CHOICE_EXEMPLARS[:shots]]
        return "".join(parts) + f"Question: {_question_block(problem)}\nAnswer:"
    parts = [f"Problem:\n{q}\n\nSolution:\n{s}\n\n" for q, s in MINERVA_EXEMPLARS[:shots]]
    return "".join(parts) + f"Problem:\n{_question_block(problem)}\n\nSolution:"


def max_shots(family: str) -> int:
    return {"gsm8k": len(GSM8K_EXEMPLARS), "choice": len(CHOICE_EXEMPLARS)}.get(family, len(MINERVA_EXEMPLARS))


def zero_shot_message(problem: Problem) -> str:
    """The user turn of the zero-shot template (RL models, chat templates)."""
    instruction = CHOICE_INSTRUCTION if problem.kind == "choice" else BOXED_INSTRUCTION
    return f"{_question_block(problem)}\n{instruction}"


def build_prompt(problem: Problem, benchmark: str, shots: int | None = None, chat_template: Callable[[str], str] | None = None) -> str:
    """The prompt for one problem.

    shots > 0: the benchmark's few-shot prompt (GSM8K 8-shot, Minerva 4-shot, …) for base models.
    shots == 0: zero-shot, answer in \\boxed{}; with chat_template (a function of the user turn,
    e.g. the tokenizer's chat template) the turn is wrapped in it, else a plain
    "Question: … Answer:" frame is used.
    """
    family = prompt_family(benchmark, problem)
    shots = default_shots(benchmark) if shots is None else shots
    if shots < 0:
        raise ValueError("shots must be >= 0")
    if shots > 0:
        return _fewshot(family, problem, min(shots, max_shots(family)))
    message = zero_shot_message(problem)
    if chat_template is not None:
        return chat_template(message)
    return f"Question: {message}\nAnswer: Let's think step by step."


def stop_strings(benchmark: str, shots: int, problem: Problem | None = None) -> list[str]:
    """Where a completion of a few-shot prompt ends: where it starts the next example."""
    if shots == 0:
        return []
    family = prompt_family(benchmark, problem)
    if family == "minerva":
        return ["\n\nProblem:", "\nProblem:"]
    return ["\n\nQuestion:", "\nQuestion:"]
