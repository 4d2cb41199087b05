"""The openai backend against a real OpenAI-compatible server (tests/llm_server.py) generating
with a tiny random-weight model: both APIs, per-request budgets, retries on injected faults."""
from __future__ import annotations

import asyncio
import email.utils
import time

import pytest

from curation.schema import LLMConfig
from llm_server import free_port, running_server
from refine.llm import make_llm
from refine.openai_backend import backoff_delay, parse_retry_after

MSG = [{"role": "system", "content": "You refine maths."}, {"role": "user", "content": "Solve $x^2 = 4$."}]


def llm_for(srv, **kw):
    base = dict(backend="openai", base_url=srv.base_url, model=srv.model, max_tokens=8, concurrency=4,
                retry_base_s=0.01, retry_max_s=0.5)
    return make_llm(LLMConfig(**{**base, **kw}))


@pytest.fixture(scope="module")
def module_server(tiny_model):
    with running_server(tiny_model) as srv:
        yield srv


@pytest.fixture
def server(module_server):
    module_server.set_faults()  # no faults, counters at 0
    return module_server


def test_chat_answers_with_usage_and_per_request_budgets(server):
    with llm_for(server) as llm:
        gens = llm.generate([MSG, MSG, MSG], max_tokens=[3, 7, None])
    for g, limit in zip(gens, [3, 7, 8]):
        assert g.ok and isinstance(g.text, str)
        assert g.tokens_in > 5 and 0 <= g.tokens_out <= limit
        assert g.finish_reason in ("stop", "length")
        if g.finish_reason == "length":
            assert g.tokens_out == limit
        assert g.latency_s > 0
    # Greedy decoding: the same request gives the same answer.
    with llm_for(server) as again:
        assert gens[2].text == again.generate([MSG])[0].text


def test_completions_api_and_model_discovery(server, tiny_model):
    with llm_for(server, api="completions", model=None) as llm:
        assert llm.model_name == server.model  # from GET /v1/models
        plain = llm.generate([MSG])[0]
    with llm_for(server, api="completions", tokenizer=tiny_model) as llm:
        templated = llm.generate([MSG])[0]
    assert plain.ok and templated.ok
    # Rendered with the chat template the prompt carries the role tokens: more tokens in.
    assert templated.tokens_in > plain.tokens_in


def test_answers_reported_as_they_arrive_and_async_variant(server):
    seen = []
    with llm_for(server) as llm:
        gens = llm.generate([MSG] * 5, on_result=lambda i, g: seen.append((i, g)))
        assert sorted(i for i, _ in seen) == list(range(5))
        assert all(gens[i] is g for i, g in seen)

        async def caller():
            try:
                return await llm.agenerate([MSG, MSG], max_tokens=2)
            finally:
                await llm.aclose()  # the session of this caller's loop

        agens = asyncio.run(caller())  # the caller's own loop, not the client's thread
    assert [g.tokens_out <= 2 and g.ok for g in agens] == [True, True]


def test_injected_500s_are_retried(server):
    server.set_faults(fail_first=3, fail_status=500)
    with llm_for(server, concurrency=2) as llm:
        gens = llm.generate([MSG] * 4)
    st = server.stats()
    assert all(g.ok for g in gens)
    assert st["injected_failures"] == 3 and st["answered"] == 4 and st["requests"] == 7


def test_429_with_retry_after_is_retried(server):
    server.set_faults(fail_first=2, fail_status=429, retry_after=0.2)
    with llm_for(server, concurrency=1, retry_base_s=0.0) as llm:
        gens = llm.generate([MSG, MSG])
    st = server.stats()
    assert all(g.ok for g in gens)
    assert st["injected_failures"] == 2 and st["answered"] == 2


def test_slow_answer_times_out_and_is_retried(server):
    # Only the first request is slow; the margin (5 s asleep vs a 2 s timeout vs a 2-token answer)
    # keeps a busy machine from timing out the retry too.
    server.set_faults(delay=5, slow_first=1)
    with llm_for(server, concurrency=1, timeout_s=2.0, max_tokens=2) as llm:
        gen = llm.generate([MSG])[0]
    st = server.stats()
    assert gen.ok
    assert st["delayed"] == 1 and st["requests"] >= 2


def test_final_errors_are_not_retried(server):
    with llm_for(server, model="no-such-model", max_retries=3) as llm:
        wrong_model = llm.generate([MSG])[0]
    with llm_for(server, max_retries=3) as llm:
        bad_request = llm.generate([[]])[0]  # no messages: HTTP 400
    assert server.stats()["requests"] == 2  # one attempt each
    assert wrong_model.error.startswith("http 404") and wrong_model.retryable  # config problem: stop, resume later
    assert bad_request.error.startswith("http 400") and not bad_request.retryable  # verdict on this request


def test_unreachable_server_gives_up_with_a_retryable_error():
    cfg = LLMConfig(backend="openai", base_url=f"http://127.0.0.1:{free_port()}/v1", model="m",
                    max_retries=2, retry_base_s=0.01)
    with make_llm(cfg) as llm:
        gens = llm.generate([MSG, MSG])
    for g in gens:
        assert not g.ok and g.retryable
        assert "gave up after 3 attempts" in g.error


def test_missing_base_url_or_model_is_a_clear_error():
    with pytest.raises(ValueError, match="llm.base_url"):
        make_llm(LLMConfig(backend="openai", model="m"))
    with pytest.raises(ValueError, match="llm.model: not set, and .* could not be reached"):
        make_llm(LLMConfig(backend="openai", base_url=f"http://127.0.0.1:{free_port()}/v1"))


def test_retry_after_parsing_and_backoff_bounds():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < parse_retry_after(future) <= 30
    for attempt in range(8):
        d = backoff_delay(attempt, base=0.5, cap=10)
        assert 0 <= d <= min(10, 0.5 * 2**attempt)
    assert 2.0 <= backoff_delay(0, base=0.5, cap=10, retry_after=2.0) <= 2.2
    assert 10 <= backoff_delay(0, base=0.5, cap=10, retry_after=100) <= 11  # capped


def test_proxy_from_the_environment(monkeypatch):
    from refine.openai_backend import env_proxy

    for var in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    assert env_proxy("http://10.0.0.5:8000/v1/chat/completions") is None
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert env_proxy("http://10.0.0.5:8000/v1/chat/completions") == "http://proxy.internal:3128"
    assert env_proxy("http://127.0.0.1:8000/v1/chat/completions") is None
