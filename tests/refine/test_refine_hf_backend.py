"""The transformers backend directly, on the tiny random-weight chat model."""
from __future__ import annotations

import pytest

from curation.schema import LLMConfig
from refine.llm import make_llm, messages_to_text, render_chat

SHORT = [{"role": "user", "content": "Solve $x+1=2$."}]
LONG = [{"role": "system", "content": "You refine maths pages."},
        {"role": "user", "content": "The derivative of $\\sin x$ is $\\cos x$. " * 6}]
MID = [{"role": "user", "content": "Prove that $\\sqrt{2}$ is irrational, step by step."}]


@pytest.fixture(scope="module")
def hf_llm(tiny_model):
    llm = make_llm(LLMConfig(backend="transformers", model=tiny_model, max_tokens=10, batch_size=2, device="cpu"))
    yield llm
    llm.close()


def test_batched_generation_with_budgets(hf_llm):
    seen = []
    gens = hf_llm.generate([LONG, SHORT, MID], max_tokens=[4, 10, None], on_result=lambda i, g: seen.append(i))
    assert sorted(seen) == [0, 1, 2]
    for g, limit in zip(gens, [4, 10, 10]):
        assert g.ok and g.error is None
        assert 0 <= g.tokens_out <= limit and g.tokens_in > 3
        if g.finish_reason == "length":
            assert g.tokens_out == limit
    assert gens[0].tokens_in > gens[1].tokens_in  # counted without the padding


def test_left_padded_batch_equals_one_by_one(hf_llm, tiny_model):
    batched = hf_llm.generate([LONG, SHORT, MID])
    single = make_llm(LLMConfig(backend="transformers", model=tiny_model, max_tokens=10, batch_size=1, device="cpu"))
    alone = single.generate([LONG, SHORT, MID])
    assert [g.text for g in batched] == [g.text for g in alone]
    assert [g.tokens_in for g in batched] == [g.tokens_in for g in alone]


def test_same_answer_as_the_openai_server(hf_llm, tiny_model):
    from llm_server import running_server

    with running_server(tiny_model) as srv:
        remote = make_llm(LLMConfig(backend="openai", base_url=srv.base_url, model=srv.model, max_tokens=10))
        r = remote.generate([MID])[0]
        remote.close()
    local = hf_llm.generate([MID])[0]
    assert (local.text, local.tokens_in, local.tokens_out) == (r.text, r.tokens_in, r.tokens_out)


def test_chat_template_used_when_present_else_plain_text(tiny_model, tmp_path):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    text, templated = render_chat(tok, MID)
    assert templated and text.startswith("<|user|>") and text.endswith("<|assistant|>")
    tok.chat_template = None
    tok.save_pretrained(tmp_path / "plain-tok")
    assert render_chat(tok, MID) == (messages_to_text(MID), False)
    llm = make_llm(LLMConfig(backend="transformers", model=tiny_model, tokenizer=str(tmp_path / "plain-tok"), max_tokens=3))
    g = llm.generate([MID])[0]
    assert g.ok and g.tokens_out <= 3


def test_backend_errors_are_clear():
    with pytest.raises(ValueError, match="llm.model"):
        make_llm(LLMConfig(backend="transformers"))
    llm = make_llm(LLMConfig(backend="none"))
    g = llm.generate([MID])[0]
    assert not g.ok and "backend is none" in g.error
