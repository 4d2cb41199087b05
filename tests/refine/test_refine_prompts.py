"""Prompt files: sections, single-pass substitution, version hash, score parsing."""
from __future__ import annotations

import pytest

from refine.prompting import parse_score, prompt_hash, prompt_variables, render_prompt


def test_bundled_prompts_render_to_chat_messages():
    for name in ("refine", "math_score"):
        msgs = render_prompt(name, text="Let $x^2 = 4$.")
        assert [m["role"] for m in msgs] == ["system", "user"]
        assert "Let $x^2 = 4$." in msgs[-1]["content"]
        assert "{{" not in msgs[-1]["content"]
        assert prompt_variables(name) == {"text"}


def test_substitution_leaves_braces_of_latex_and_of_the_document_alone():
    doc = "Set {{text}} and $\\frac{a}{b}$ and {x}"
    content = render_prompt("refine", text=doc)[-1]["content"]
    assert doc in content  # the document's own {{text}} is not expanded again


def test_missing_variable_and_unknown_prompt_are_clear_errors():
    with pytest.raises(ValueError, match="missing variable"):
        render_prompt("refine")
    with pytest.raises(ValueError, match="bundled prompts: .*math_score.*refine"):
        render_prompt("no_such_prompt", text="x")


def test_prompt_hash_names_the_prompt_and_changes_with_its_file(tmp_path):
    h = prompt_hash("refine")
    assert h.startswith("refine@") and len(h.split("@")[1]) == 12
    assert prompt_hash("refine") == h  # stable
    assert prompt_hash("math_score") != h
    p = tmp_path / "mine.txt"
    p.write_text("# a comment\n@@ user\nRewrite: {{text}}\n")
    first = prompt_hash(str(p))
    assert first.startswith("mine@")
    assert render_prompt(str(p), text="abc") == [{"role": "user", "content": "Rewrite: abc"}]
    p.write_text("@@ user\nRewrite this: {{text}}\n")
    import os
    os.utime(p, (1, 1))  # a different mtime, as an edit would give
    assert prompt_hash(str(p)) != first


def test_malformed_prompt_files(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("text before any section\n@@ user\n{{text}}\n")
    with pytest.raises(ValueError, match="before the first"):
        render_prompt(str(bad), text="x")
    bad.write_text("@@ narrator\n{{text}}\n")
    with pytest.raises(ValueError, match="unknown section"):
        render_prompt(str(bad), text="x")


@pytest.mark.parametrize(
    "answer,score",
    [
        ("Clear worked solutions with reasoning.\nScore: 4", 4),
        ("Some maths.\n**Score: 2**", 2),
        ("score = 5/5", 5),
        ("Score: 1 at first... on reflection\nScore: 3", 3),
        ("No score given", None),
        ("Score: 9", None),
        (None, None),
    ],
)
def test_parse_score(answer, score):
    assert parse_score(answer) == score
