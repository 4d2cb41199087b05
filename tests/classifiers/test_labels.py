"""Label sources: the offline bootstrap heuristic, the markup stripper, user label files."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from classifiers.config import BootstrapLabelsConfig
from classifiers.labels import bootstrap_label, read_label_files
from classifiers.signals import math_signals, strip_markup

CFG = BootstrapLabelsConfig()

MATH_LATEX = (r"Notes on integrals. The area under the curve between two limits equals the definite integral. "
              r"We can check that $\int_0^{\pi} \sin x\,dx = 2$ holds here. $$\int_0^1 x^2\,dx = \frac{1}{3}$$ "
              r"Integration by parts follows from the product rule: $\int u\,dv = uv - \int v\,du$.")
PLAIN_MATH = ("Problem 4. Solve the equation 3x + 5 = 20 for x and check the answer. Subtract 5 from both sides "
              "to get 3x = 15. Then divide both sides by 3, so x = 5. Check: 3 times 5 plus 5 equals 20, so the "
              "solution is correct. The same method works for any linear equation: isolate the term with the "
              "variable, then divide by its coefficient.")
NEWS = ("The city council met on Tuesday to discuss the new park. Residents said they wanted more trees and a "
        "playground for children. The mayor promised a decision before the summer, and the local bakery offered "
        "free coffee to everyone who came to the meeting. Traffic on Main Street was slow all afternoon. ") * 2
CODE = ("function add(a, b) {\n  return a + b;\n}\nconst x = add(1, 2);\nif (x > 2) {\n  console.log(x);\n}\n"
        "var total = price * qty;\nlet $el = $('#cart');\n")


def test_latex_and_plain_text_math_are_positive_without_markup():
    assert bootstrap_label(MATH_LATEX, 0, CFG)[0] == 1
    assert bootstrap_label(PLAIN_MATH, 0, CFG)[0] == 1


def test_markup_needs_math_text_too():
    # a news page that loads MathJax (markup counted) but has no math: a hard negative
    label, signals = bootstrap_label(NEWS, 5, CFG)
    assert label == 0 and signals["markup"] == 5
    assert bootstrap_label(MATH_LATEX, 6, CFG)[0] == 1


def test_code_is_not_math():
    sig = math_signals(CODE)
    assert sig.code_line_frac > 0.5 and sig.equations == 0
    assert bootstrap_label(CODE, 0, CFG)[0] == 0


def test_in_between_pages_stay_unlabelled():
    text = NEWS + " The ratio of the two numbers is the quotient, an integer, and we multiply it by the denominator."
    assert bootstrap_label(text, 0, CFG)[0] is None


def test_strip_markup_removes_renderer_traces_not_math():
    text = ("Loading [MathJax]/jax/output/HTML-CSS/fonts.js\nMathJax.Hub.Config({tex2jax: {inlineMath: [['$','$']]}});\n"
            "Powered by MathJax and KaTeX. Let $x^2 = \\frac{1}{2}$.")
    out = strip_markup(text)
    assert "mathjax" not in out.lower() and "katex" not in out.lower() and "tex2jax" not in out
    assert "$x^2 = \\frac{1}{2}$" in out
    assert strip_markup(NEWS) == NEWS


def test_user_label_files(tmp_path):
    binary = tmp_path / "binary.jsonl"
    binary.write_text("\n".join([
        json.dumps({"text": "a math page", "label": "math", "url": "https://a.org/1"}),
        json.dumps({"text": "a cooking page", "label": 0}),
        json.dumps({"text": "", "label": 1}),  # no text: skipped
        json.dumps({"text": "what?", "label": "maybe"}),  # no valid label: skipped
        "{not json",  # skipped
        json.dumps({"text": "labelled the fastText way", "label": "__label__math", "id": "own-id"}),
    ]) + "\n")
    scored = tmp_path / "scored.parquet"
    pq.write_table(pa.table({"text": ["great proof", "some arithmetic", "nothing"], "label": [5, 2, 0],
                             "domain": ["x.org", "y.org", None]}), scored)
    rows, skipped = read_label_files([str(binary), str(tmp_path / "*.parquet")])
    assert skipped == 3
    by_text = {r["text"]: r for r in rows}
    assert by_text["a math page"]["label"] == 1 and by_text["a math page"]["scale"] == "binary"
    assert by_text["a math page"]["domain"] == "a.org"  # from the url
    assert by_text["labelled the fastText way"]["id"] == "own-id"
    assert by_text["some arithmetic"]["scale"] == "score" and by_text["some arithmetic"]["label"] == 2
    assert by_text["great proof"]["domain"] == "x.org"
    assert all(r["source"] == "file" for r in rows)
    assert len({r["id"] for r in rows}) == len(rows)


def test_missing_label_file_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="label file not found"):
        read_label_files([str(tmp_path / "absent.jsonl")])
    with pytest.raises(FileNotFoundError):
        read_label_files([str(tmp_path / "*.jsonl")])
