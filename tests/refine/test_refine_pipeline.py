"""The refine pipeline end to end on datatrove's LocalPipelineExecutor, through a real
OpenAI-compatible server (tiny model): outcomes, stats, the answer store, resumption after the
server dies and comes back. The CLI path is in test_refine_cli.py."""
from __future__ import annotations

import contextlib
import json
import os
import shutil

import pytest

from curation.schema import LLMConfig
from llm_server import running_server
from refine.config import RefineConfig
from refine.pipeline import LLMUnavailable
from refine_fixtures import LOOSE, assert_one_outcome_each, parquet_rows, run_refine, stats_rows, stored_answers, write_input


def llm(srv, **kw) -> LLMConfig:
    return LLMConfig(**{**dict(backend="openai", base_url=srv.base_url, model=srv.model, max_tokens=16,
                               concurrency=2, max_retries=2, retry_base_s=0.05), **kw})


@pytest.fixture(scope="module")
def server_stack():
    with contextlib.ExitStack() as stack:
        yield stack, {}


def live_server(server_stack, tiny_model):
    """The module's server, started again at the same port when a test has killed it."""
    stack, held = server_stack
    srv = held.get("srv")
    if srv is None or not srv.alive():
        srv = held["srv"] = stack.enter_context(running_server(tiny_model, port=srv.port if srv else None))
    srv.set_faults()  # no faults, counters at 0
    return srv


@pytest.fixture
def server(server_stack, tiny_model):
    return live_server(server_stack, tiny_model)


def test_refine_run_through_a_server(server, tmp_path):
    out = str(tmp_path / "out")
    ids = write_input(out, n=12, files=2)
    cfg = RefineConfig(llm=llm(server), min_output_tokens=4, **LOOSE)
    before = server.stats()["requests"]
    run_refine(out, cfg, tasks=2)
    assert server.stats()["requests"] - before == 12

    rows = assert_one_outcome_each(out, ids)
    assert {r["refine_status"] for r in rows} == {"ok"}
    for r in rows:
        assert r["refine_model"] == server.model and r["refine_prompt"].startswith("refine@")
        assert r["tokens_in"] > 100 and 0 <= r["tokens_out"] <= 16 and r["refine_latency_s"] > 0
    originals = {r["id"]: r["text"] for r in parquet_rows(os.path.join(out, "rextract", "data"))}
    refined = parquet_rows(os.path.join(out, "refine", "data"))
    assert all(r["text"] != originals[r["id"]] for r in refined)
    md = json.loads(refined[0]["metadata"])
    assert md["refine_status"] == "ok" and md["refine_input_chars"] == len(originals[refined[0]["id"]])
    assert len(stored_answers(out)) == 12

    # A rerun from scratch of the executors (logs removed) takes every answer from the store.
    shutil.rmtree(os.path.join(out, "logs"))
    before = server.stats()["requests"]
    run_refine(out, cfg, tasks=2)
    assert server.stats()["requests"] == before
    assert [r["text"] for r in parquet_rows(os.path.join(out, "refine", "data"))] == [r["text"] for r in refined]
    assert len(stored_answers(out)) == 12  # nothing stored twice


def test_default_validation_rejects_gibberish_and_keeps_it_out(server, tmp_path):
    out = str(tmp_path / "out")
    ids = write_input(out, n=6)
    run_refine(out, RefineConfig(llm=llm(server, max_tokens=24), min_output_tokens=24, check_language=False))
    rows = assert_one_outcome_each(out, ids)
    assert {r["refine_status"] for r in rows} == {"rejected"}
    assert all(r["status"] == "dropped" and r["dropped_by"] == "refine" and r["reason"] for r in rows)
    assert parquet_rows(os.path.join(out, "refine", "data")) == []
    excluded = parquet_rows(os.path.join(out, "refine", "excluded", "refine"))
    originals = {r["id"]: r["text"] for r in parquet_rows(os.path.join(out, "rextract", "data"))}
    assert all(r["text"] == originals[r["id"]] for r in excluded)  # the original, recoverable


def test_threshold_backend_none_and_oversized_inputs(tmp_path):
    out = str(tmp_path / "out")
    ids = write_input(out, n=6, scores=[0.95, 0.2, 0.8, None, 0.5, 0.9])
    run_refine(out, RefineConfig(min_math_score=0.6, max_input_chars=10_000))
    rows = {r["doc_id"]: r for r in assert_one_outcome_each(out, ids)}
    assert rows["doc-001"]["dropped_by"] == "math_threshold" and rows["doc-001"]["reason"] == "math_score<0.6"
    assert rows["doc-004"]["dropped_by"] == "math_threshold" and rows["doc-004"]["refine_status"] is None
    for doc in ("doc-000", "doc-002", "doc-003", "doc-005"):  # doc-003 has no score: kept by default
        assert rows[doc]["refine_status"] == "skipped" and rows[doc]["reason"] == "llm_disabled:backend none"

    out2 = str(tmp_path / "out2")
    write_input(out2, n=3)
    run_refine(out2, RefineConfig(llm=LLMConfig(backend="openai", base_url="http://127.0.0.1:9/v1", model="m"),
                                  max_input_chars=50, keep_unscored=False))
    assert {r["reason"].split(":")[0] for r in stats_rows(out2)} == {"input_too_long"}


def test_server_death_then_restart_resumes_without_asking_twice(server_stack, tiny_model, tmp_path):
    out = str(tmp_path / "out")
    ids = write_input(out, n=12)
    srv = live_server(server_stack, tiny_model)
    srv.set_faults(die_after=5)
    cfg = RefineConfig(llm=llm(srv), min_output_tokens=4, **LOOSE)
    with pytest.raises(LLMUnavailable, match="rerun the same command to resume"):
        run_refine(out, cfg)
    assert not srv.alive()
    stored = len(stored_answers(out))
    assert stored == 5  # every answer that arrived; the in-flight one died with the server
    assert not os.path.exists(os.path.join(out, "stats", "refine", "00000.parquet"))  # nothing half-written

    srv = live_server(server_stack, tiny_model)  # the server comes back at the same URL
    assert srv.base_url == cfg.llm.base_url
    run_refine(out, cfg)
    assert srv.stats()["requests"] == 12 - stored
    rows = assert_one_outcome_each(out, ids)
    assert {r["refine_status"] for r in rows} == {"ok"}
    assert len(stored_answers(out)) == 12


def test_unreachable_server_recorded_as_failed_when_asked_not_to_stop(tmp_path):
    from llm_server import free_port

    out = str(tmp_path / "out")
    ids = write_input(out, n=3)
    dead = LLMConfig(backend="openai", base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", max_retries=1, retry_base_s=0.01)
    run_refine(out, RefineConfig(llm=dead, stop_on_unavailable=False))
    rows = assert_one_outcome_each(out, ids)
    assert {r["refine_status"] for r in rows} == {"failed"}
    assert all(r["reason"].startswith("llm_error:ClientConnectorError") for r in rows)


def test_output_budget_follows_the_input_length():
    from refine.pipeline import RefineStep

    step = RefineStep(RefineConfig(output_tokens_ratio=1.5, min_output_tokens=100, chars_per_token=4,
                                   llm=LLMConfig(max_tokens=2000)), "/unused")
    assert step.output_budget("x" * 40) == 100  # the floor
    assert step.output_budget("x" * 4000) == 1500  # 1000 tokens in -> 1.5x
    assert step.output_budget("x" * 40000) == 2000  # capped by llm.max_tokens
