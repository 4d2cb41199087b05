"""Benchmark loaders, one per published format, and the few-shot prompts.

FORMATS holds, per benchmark, two records written the way that benchmark publishes them, the
gold and kind each must load as, and a right and a wrong model output for each (test_evaluate
scores those through the CLI).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.benchmarks import (
    BENCHMARKS,
    GSM8K_EXEMPLARS,
    BenchmarkError,
    build_prompt,
    load_benchmark,
    read_records,
    stop_strings,
)

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "benchmarks"

# name -> (file name, file content (records, or the raw object for .json), [(gold, kind, right output, wrong output)])
FORMATS: dict[str, tuple[str, object, list[tuple[str, str, str, str]]]] = {
    "gsm8k": ("test.jsonl", [
        {"question": "A shop sold 1,000 pens on Monday and none after. How many pens?", "answer": "It sold 1,000 pens.\n#### 1,000"},
        {"question": "Tom has 3 apples and eats 1. How many are left?", "answer": "3 - 1 = <<3-1=2>>2\n#### 2"},
    ], [("1000", "number", "So the answer is 1000.", "The answer is 999."),
        ("2", "number", "He has 3 - 1 = 2 left.\n#### 2", "The answer is 3.")]),
    "math": ("test.jsonl", [
        {"problem": "Compute $\\frac{2}{4}$.", "level": "Level 1", "type": "Prealgebra",
         "solution": "We simplify: $\\frac{2}{4} = \\boxed{\\frac{1}{2}}$."},
        {"problem": "Solve $x+1=3$.", "level": "Level 1", "type": "Algebra", "solution": "$x = \\boxed{2}$."},
    ], [("\\frac{1}{2}", "math", "It is $\\boxed{0.5}$.", "It is $\\boxed{\\frac{1}{3}}$."),
        ("2", "math", "Final Answer: The final answer is $2$. I hope it is correct.", "$\\boxed{3}$")]),
    "math500": ("test.jsonl", [
        {"problem": "Convert $(0,3)$ to polar coordinates.", "solution": "... $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$.",
         "answer": "\\left( 3, \\frac{\\pi}{2} \\right)", "subject": "Precalculus", "level": 2, "unique_id": "test/precalculus/807.json"},
        {"problem": "Which is right?", "solution": "$\\boxed{\\text{(C)}}$", "answer": "\\text{(C)}", "subject": "Algebra", "level": 1,
         "unique_id": "test/algebra/1.json"},
    ], [("\\left( 3, \\frac{\\pi}{2} \\right)", "math", "$\\boxed{(3, \\pi/2)}$", "$\\boxed{(3, \\pi)}$"),
        ("\\text{(C)}", "math", "So \\boxed{C}.", "So \\boxed{D}.")]),
    "minerva_math": ("test.jsonl", [
        {"problem": "Find the wavelength in nm.", "solution": "We get $\\lambda = \\boxed{500}$ nm.", "type": "Physics"},
        {"problem": "Give the rate.", "solution": "Final answer: The final answer is $0.25$. I hope it is correct.", "type": "Chemistry"},
    ], [("500", "math", "$\\lambda=\\boxed{500 \\text{ nm}}$", "$\\boxed{5000}$"),
        ("0.25", "math", "\\boxed{\\frac{1}{4}}", "\\boxed{0.2}")]),
    "olympiadbench": ("test.json", [
        {"id": 1606, "question": "Find the sum of the roots.", "final_answer": ["$\\frac{1}{2}$"], "is_multiple_answer": False,
         "unit": None, "answer_type": "Numerical", "subfield": "Algebra", "context": None, "solution": ["..."]},
        {"id": 1607, "question": "Find all x.", "final_answer": ["$-1$", "$2$"], "is_multiple_answer": True,
         "unit": None, "answer_type": "Numerical", "subfield": "Algebra", "context": None, "solution": ["..."]},
    ], [("\\frac{1}{2}", "math", "\\boxed{0.5}", "\\boxed{2}"),
        ("-1, 2", "math", "\\boxed{-1, 2}", "\\boxed{-1}")]),
    "aime24": ("test.jsonl", [
        {"id": 60, "problem": "Find $m+n$.", "solution": "... $\\boxed{204}$", "answer": "204", "url": "https://artofproblemsolving.com/"},
        {"id": 61, "problem": "Find the remainder.", "solution": "...", "answer": 25, "url": "https://artofproblemsolving.com/"},
    ], [("204", "math", "\\boxed{204}", "\\boxed{240}"), ("25", "math", "so $\\boxed{025}$", "\\boxed{52}")]),
    "amc23": ("test.jsonl", [
        {"id": 0, "question": "How far from A do they meet?", "answer": 27.0, "url": "https://artofproblemsolving.com/"},
        {"id": 1, "question": "What is the ratio?", "answer": 2.5, "url": "https://artofproblemsolving.com/"},
    ], [("27", "math", "\\boxed{27}", "\\boxed{28}"), ("2.5", "math", "\\boxed{\\frac{5}{2}}", "\\boxed{2}")]),
    "college_math": ("test.jsonl", [
        {"question": "Evaluate the integral.", "answer": "$\\frac{3}{2}$", "data_topic": "college_math.calculus"},
        {"question": "Solve for x.", "answer": "$x=4$", "data_topic": "college_math.algebra"},
    ], [("\\frac{3}{2}", "math", "\\boxed{1.5}", "\\boxed{\\frac{2}{3}}"), ("x=4", "math", "\\boxed{4}", "\\boxed{x=5}")]),
    "gaokao2023en": ("test.jsonl", [
        {"question": "Find $f(1)$.", "answer": "$-2$"},
        {"question": "Which is true? A. ... B. ... C. ... D. ...", "answer": "C"},
    ], [("-2", "math", "\\boxed{-2}", "\\boxed{2}"), ("C", "choice", "The answer is (C).", "The answer is (A).")]),
    "svamp": ("test.json", [
        {"ID": "chal-1", "Body": "Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack",
         "Question": "How much do you have to pay to buy each pack?", "Equation": "( 76.0 - 25.0 )", "Answer": 51.0, "Type": "Subtraction"},
        {"ID": "chal-2", "Body": "Dan had 5 pens.", "Question": "How many pens in half?", "Equation": "( 5.0 / 2.0 )", "Answer": 2.5, "Type": "Common-Division"},
    ], [("51", "number", "76 - 25 = 51. The answer is 51.", "The answer is 101."),
        ("2.5", "number", "The answer is 2.50.", "The answer is 2.")]),
    "asdiv": ("test.jsonl", [
        {"body": "Seven red apples and two green apples are in the basket.", "question": "How many apples are in the basket?",
         "answer": "9 (apples)", "formula": "7+2=9", "solution_type": "Addition"},
        {"body": "A class has 12 boys and 18 girls.", "question": "What is the ratio of boys to girls?",
         "answer": "2:3 (ratio)", "formula": "12/18=2/3", "solution_type": "Ratio"},
    ], [("9", "number", "7 + 2 = 9 apples. The answer is 9.", "The answer is 5."),
        ("2:3", "math", "The answer is 2:3.", "The answer is 3:2.")]),
    "mawps": ("test.jsonl", [
        {"input": "Mary has 5 books and buys 7 more. How many books does she have?", "target": 12.0},
        {"input": "A rope of 10 m is cut in 4 equal parts. How long is each?", "target": 2.5},
    ], [("12", "number", "5 + 7 = 12. The answer is 12.", "The answer is 2."),
        ("2.5", "number", "The answer is 2.5 m.", "The answer is 4.")]),
    "tabmwp": ("problems_test.json", {
        "1": {"question": "How many people in all?", "choices": None, "answer": "1,402", "unit": None,
              "table_title": "Visitors", "table": "Day | Visitors\nMonday | 700\nTuesday | 702", "table_for_pd": {},
              "row_num": 3, "column_num": 2, "solution": "700 + 702 = 1,402", "ques_type": "free_text",
              "ans_type": "integer_number", "grade": 4, "split": "test"},
        "2": {"question": "Which day had more visitors?", "choices": ["Monday", "Tuesday"], "answer": "Tuesday", "unit": None,
              "table_title": None, "table": "Day | Visitors\nMonday | 700\nTuesday | 702", "table_for_pd": {},
              "row_num": 3, "column_num": 2, "solution": "702 > 700", "ques_type": "multi_choice",
              "ans_type": "extractive_text", "grade": 2, "split": "test"},
    }, [("1402", "number", "700 + 702 = 1,402. The answer is 1,402.", "The answer is 1400."),
        ("Tuesday", "math", "The answer is Tuesday.", "The answer is Monday.")]),
    "mmlu_stem": ("test.jsonl", [
        {"question": "Find the order of the group Z_4.", "subject": "abstract_algebra", "choices": ["2", "4", "8", "16"], "answer": 1},
        {"question": "What is 2+2?", "subject": "elementary_mathematics", "choices": ["3", "5", "4", "22"], "answer": 2},
    ], [("B", "choice", "Z_4 has 4 elements. The answer is (B).", "The answer is (A)."),
        ("C", "choice", "\\boxed{4}", "\\boxed{5}")]),
    "sat_math": ("test.jsonl", [
        {"id": "sat-1", "question": "If 3x = 12, what is x?", "options": "A) 3 B) 4 C) 5 D) 6", "Answer": "B"},
        {"id": "sat-2", "question": "What is 10% of 50?", "options": "A) 5 B) 0.5 C) 50 D) 10", "Answer": "A"},
    ], [("B", "choice", "x = 4. The answer is (B).", "The answer is (D)."),
        ("A", "choice", "The answer is A.", "The answer is C.")]),
    "mathqa": ("test.json", [
        {"Problem": "a train covers 60 km in 1 hour . find its speed .", "Rationale": "speed = 60 / 1 = 60",
         "options": "a ) 50 , b ) 60 , c ) 70 , d ) 80 , e ) none", "correct": "b", "annotated_formula": "divide(60,1)", "category": "physics"},
        {"Problem": "what is 1 , 000 / 10 ?", "Rationale": "100", "options": "['a ) 10', 'b ) 1 , 000', 'c ) 100', 'd ) 1', 'e ) 0']",
         "correct": "c", "annotated_formula": "divide(1000,10)", "category": "general"},
    ], [("B", "choice", "The answer is (B).", "The answer is (E)."), ("C", "choice", "The answer is c ) 100, so (C).", "The answer is (B).")]),
}


def write_format(tmp_path: Path, name: str) -> Path:
    """Write FORMATS[name]'s records in their published layout; return the file."""
    filename, content, _ = FORMATS[name]
    path = tmp_path / name / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if filename.endswith(".jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in content), encoding="utf-8")  # type: ignore[union-attr]
    else:
        path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_every_benchmark_has_a_format_case():
    assert set(FORMATS) == set(BENCHMARKS)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_loader_reads_gold_the_published_way(tmp_path, name):
    problems = load_benchmark(name, write_format(tmp_path, name))
    expected = FORMATS[name][2]
    assert [(p.gold, p.kind) for p in problems] == [(gold, kind) for gold, kind, _, _ in expected]
    for p in problems:
        assert p.question and p.id
        if p.kind == "choice" and name not in ("gaokao2023en",):
            assert p.choices and len(p.choices) >= 4


def test_choice_options_are_parsed(tmp_path):
    sat = load_benchmark("sat_math", write_format(tmp_path, "sat_math"))
    assert sat[0].choices == ["3", "4", "5", "6"]
    mathqa = load_benchmark("mathqa", write_format(tmp_path, "mathqa"))
    assert mathqa[0].choices == ["50", "60", "70", "80", "none"]
    assert mathqa[1].choices[1] == "1 , 000"
    assert mathqa[0].question.startswith("A train")
    tab = load_benchmark("tabmwp", write_format(tmp_path, "tabmwp"))
    assert "Monday | 700" in tab[0].question and 'regarding "Visitors"' in tab[0].question


def test_parquet_and_limit(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = FORMATS["gsm8k"][1]
    path = tmp_path / "gsm8k.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)  # type: ignore[arg-type]
    assert [p.gold for p in load_benchmark("gsm8k", path)] == ["1000", "2"]
    assert len(load_benchmark("gsm8k", path, limit=1)) == 1


def test_real_gsm8k_and_math500(shared_data):
    gsm = load_benchmark("gsm8k", shared_data / "benchmarks" / "gsm8k" / "test.jsonl")
    assert len(gsm) == 1319 and gsm[0].gold == "18" and gsm[0].kind == "number"
    m500 = load_benchmark("math500", shared_data / "benchmarks" / "math500" / "test.jsonl")
    assert len(m500) == 500 and m500[0].gold == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert m500[0].id == "test/precalculus/807.json" and m500[0].meta["subject"] == "Precalculus"


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"question": "q", "answer": "no marker"}\n', "no answer with '#### N' field"),
        ('{"question": "q"}\n', "no answer field"),
        ('{"question": "q", "answer": "#### 1"}\nnot json\n', ":2: not valid JSON"),
        ("", "no problems"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BenchmarkError, match=message) as info:
        load_benchmark("gsm8k", path)
    assert "\n" not in str(info.value)


def test_unknown_benchmark_missing_file_and_no_default_source(tmp_path):
    with pytest.raises(BenchmarkError, match="unknown benchmark"):
        load_benchmark("gsm9k", tmp_path / "x.jsonl")
    with pytest.raises(BenchmarkError, match="no such file"):
        load_benchmark("gsm8k", tmp_path / "missing.jsonl")
    with pytest.raises(BenchmarkError, match="pass --data"):
        load_benchmark("mawps")


def test_json_lines_under_a_json_name(tmp_path):
    path = tmp_path / "test.json"
    path.write_text('{"input": "a", "target": 1}\n{"input": "b", "target": 2}\n', encoding="utf-8")
    assert [r["target"] for r in read_records(path)] == [1, 2]


def test_fewshot_prompts(tmp_path):
    gsm = load_benchmark("gsm8k", write_format(tmp_path, "gsm8k"))
    prompt = build_prompt(gsm[0], "gsm8k")
    assert prompt.count("Question:") == 9 and prompt.endswith("How many pens?\nAnswer:")
    assert GSM8K_EXEMPLARS[0][1] in prompt
    assert build_prompt(gsm[0], "gsm8k", shots=2).count("Question:") == 3

    math = load_benchmark("math", write_format(tmp_path, "math"))
    minerva = build_prompt(math[0], "math")
    assert minerva.count("Problem:") == 5 and minerva.endswith("\n\nSolution:")
    assert "I hope it is correct." in minerva
    assert stop_strings("math", 4) == ["\n\nProblem:", "\nProblem:"]

    mmlu = load_benchmark("mmlu_stem", write_format(tmp_path, "mmlu_stem"))
    choice = build_prompt(mmlu[0], "mmlu_stem")
    assert "Answer Choices: (A) 2 (B) 4 (C) 8 (D) 16\nAnswer:" in choice
    assert choice.count("The answer is (") == 4


def test_zero_shot_prompts(tmp_path):
    math = load_benchmark("math", write_format(tmp_path, "math"))
    plain = build_prompt(math[0], "math", shots=0)
    assert "\\boxed{}" in plain and "Problem:" not in plain
    chat = build_prompt(math[0], "math", shots=0, chat_template=lambda m: f"<user>{m}</user><assistant>")
    assert chat.startswith("<user>Compute") and chat.endswith("<assistant>")
    assert stop_strings("math", 0) == []
    mmlu = load_benchmark("mmlu_stem", write_format(tmp_path, "mmlu_stem"))
    assert "letter of the correct option" in build_prompt(mmlu[0], "mmlu_stem", shots=0)
