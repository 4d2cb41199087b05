"""The answer store: keyed (doc id, prompt hash, model), torn lines, reshards."""
from __future__ import annotations

from refine.llm import Generation
from refine.store import AnswerStore, text_sha


def gen(text="answer"):
    return Generation(text, 10, 3, 0.5, finish_reason="stop")


def test_put_then_get_across_reopen(tmp_path):
    s = AnswerStore(str(tmp_path), 0, 1, "m", "refine@abc")
    s.put("d1", text_sha("in1"), gen("out1"))
    s.put("d2", text_sha("in2"), Generation(None, None, None, 1.0, error="http 500", retryable=True))
    s.close()
    s = AnswerStore(str(tmp_path), 0, 1, "m", "refine@abc")
    assert len(s) == 1  # failures are never stored: they are asked again
    got = s.get("d1", text_sha("in1"))
    assert got.text == "out1" and got.tokens_in == 10 and got.tokens_out == 3 and got.finish_reason == "stop"
    assert s.get("d1", text_sha("changed input")) is None
    assert s.get("d2", text_sha("in2")) is None
    s.close()


def test_other_prompt_or_model_is_not_reused(tmp_path):
    s = AnswerStore(str(tmp_path), 0, 1, "m", "refine@abc")
    s.put("d1", "sha", gen())
    s.close()
    assert AnswerStore(str(tmp_path), 0, 1, "m", "refine@def").get("d1", "sha") is None
    assert AnswerStore(str(tmp_path), 0, 1, "other", "refine@abc").get("d1", "sha") is None


def test_torn_last_line_is_skipped_and_sealed(tmp_path):
    s = AnswerStore(str(tmp_path), 0, 1, "m", "p")
    s.put("d1", "sha", gen("one"))
    s.close()
    with open(s.path, "ab") as f:
        f.write(b'{"id": "d2", "sha": "sha", "prompt": "p", "model": "m", "te')  # kill -9 mid-write
    s = AnswerStore(str(tmp_path), 0, 1, "m", "p")
    assert s.torn_lines == 1 and len(s) == 1
    s.put("d3", "sha", gen("three"))
    s.close()
    s = AnswerStore(str(tmp_path), 0, 1, "m", "p")
    assert s.get("d3", "sha").text == "three" and s.get("d1", "sha").text == "one"
    assert s.torn_lines == 1


def test_answers_survive_a_change_of_task_count(tmp_path):
    for rank in range(2):
        s = AnswerStore(str(tmp_path), rank, 2, "m", "p")
        s.put(f"d{rank}", "sha", gen(f"a{rank}"))
        s.close()
    s = AnswerStore(str(tmp_path), 0, 1, "m", "p")  # rerun with one task
    assert s.get("d0", "sha").text == "a0" and s.get("d1", "sha").text == "a1"


def test_unicode_and_surrogates_round_trip(tmp_path):
    s = AnswerStore(str(tmp_path), 0, 1, "m", "p")
    text = "∑ é 数学 \ud800"  # a lone surrogate, as broken web text can carry
    s.put("d", "sha", gen(text))
    s.close()
    assert AnswerStore(str(tmp_path), 0, 1, "m", "p").get("d", "sha").text == text
