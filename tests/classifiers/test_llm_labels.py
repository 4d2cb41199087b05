"""LLM labels and recall rounds against a real OpenAI-compatible HTTP server (tests/llm_server.py).

The server generates with a tiny random-weight model (whose answers carry no score: they must be
counted and skipped), except for prompts its `answer_rules` match, which get a canned answer where
a test needs scores - the HTTP path, the LLM layer and our annotation code are the real thing either way.
"""
import json
import random

import duckdb
import pytest
from datatrove.data import Document

from classifiers.annotate import AnnotationUnavailable, LLMLabels, annotate_docs, parse_math_score
from classifiers.labels import LABELS_KEY
from curation.cli import main
from curation.schema import LLMConfig
from llm_server import free_port, running_server
from refine.llm import make_llm
from refine.prompting import prompt_hash

from cls_data import make_text

# Pages with these strings get a canned answer; every other prompt goes to the tiny random model.
# The strings are the generated sample's (curation/sample*.py): most of its pages get a score.
RULES = json.dumps([
    ["\\frac", "Clear worked mathematics.\nScore: 5"], ["Solve the equation", "A solved exercise.\nScore: 4"],
    ["\\int", "Calculus notes.\nScore: 4"], ["Solution", "Worked solutions.\nScore: 4"],
    ["How many", "A counting question.\nScore: 4"], ["Local news", "Not mathematics.\nScore: 0"],
    ["Product", "A shop page.\nScore: 0"], ["JavaScript", "Programming, not mathematics.\nScore: 1"],
    ["votes", "A programming forum.\nScore: 1"], ["Ingredients", "A recipe.\nScore: 0"], ["Version", "Release notes.\nScore: 0"],
])


@pytest.fixture(scope="module")
def server(tiny_chat_model):
    with running_server(tiny_chat_model, answer_rules=RULES) as srv:
        yield srv


def llm_cfg(srv, **kw) -> LLMConfig:
    base = dict(backend="openai", model=srv.model, base_url=srv.base_url, max_tokens=12, max_retries=1,
                timeout_s=60, concurrency=4)
    base.update(kw)
    return LLMConfig(**base)


def docs(n: int, seed: int = 0) -> list[Document]:
    rng = random.Random(seed)
    return [Document(text=make_text(rng, 4 if i % 2 else 0, 40), id=f"p{i}", metadata={"url": f"https://s{i % 3}.org/{i}"})
            for i in range(n)]


@pytest.mark.parametrize("answer, score", [
    ("The page teaches fractions.\nScore: 4", 4), ("score = 2/5", 2), ("**Score:** 5", 5),
    ("I would rate it\n3", 3), ("Rating: 1/5", 1), ("no number here", None), ("Score: 9", None), ("", None),
    ("the answer is 42", None),
])
def test_parse_math_score(answer, score):
    assert parse_math_score(answer) == score


def test_tiny_random_model_answers_are_counted_not_guessed(server):
    items = [d for d in docs(12) if "\\frac" not in d.text][:6]  # no rule matches: the model answers
    before = server.stats()["answered"]
    step = LLMLabels(llm_cfg(server), max_docs=4)
    out = list(step.run(iter(items), 0, 1))
    assert server.stats()["answered"] - before == 4
    assert sorted(d.id for d in out) == sorted(d.id for d in items)  # every page passes through
    stats = step.stats.stats
    labelled = [d for d in out if d.metadata.get(LABELS_KEY)]
    unparseable = stats["llm_unparseable"].total if "llm_unparseable" in stats else 0
    assert len(labelled) + unparseable == 4
    for d in labelled:
        row = d.metadata[LABELS_KEY][0]
        assert 0 <= row["label"] <= 5 and row["source"] == "llm"


def test_labels_carry_model_and_prompt_version(server):
    items = [Document(text=f"Page {i}: we compute \\frac{{1}}{{{i + 2}}} of the area.", id=f"f{i}", metadata={}) for i in range(8)]
    llm = make_llm(llm_cfg(server))
    try:
        rows = annotate_docs(llm, items, "math_score", 2000, 0, server.model)
    finally:
        llm.close()
    assert len(rows) == 8
    assert {r["label"] for r in rows} == {5} and {r["scale"] for r in rows} == {"score"}
    assert {r["annotator"] for r in rows} == {"tiny-llm"}
    assert {r["prompt_version"] for r in rows} == {prompt_hash("math_score")}
    assert rows[0]["prompt_version"].startswith("math_score@")
    assert json.loads(rows[0]["detail"])["answer"].endswith("Score: 5")


def test_server_down_stops_the_task_for_a_later_resume():
    cfg = LLMConfig(backend="openai", model="tiny-llm", base_url=f"http://127.0.0.1:{free_port()}/v1",
                    max_retries=0, timeout_s=5)
    llm = make_llm(cfg)
    try:
        with pytest.raises(AnnotationUnavailable, match="rerun to resume"):
            annotate_docs(llm, docs(2), "math_score", 2000, 0, "tiny-llm")
    finally:
        llm.close()


def test_llm_labels_and_recall_round_through_the_pipeline(server, tmp_path, capsys):
    out = tmp_path / "out"
    before = server.stats()["answered"]
    cfg = tmp_path / "recipe.yaml"
    cfg.write_text(f"""
output: {out}
executor: {{type: local, tasks: 2, workers: 1}}
pipelines:
  web:
    input:
      sample: {{pages: 160, seed: 5, files: 2}}
  classifier:
    depends_on: [web]
    labels:
      bootstrap: {{enabled: false}}
      llm: {{enabled: true, max_docs: 40}}
    fasttext: {{dim: 16, lr: 0.5, epoch: 30, bucket: 20000, threads: 1}}
    evaluate: {{eval_fraction: 0.25}}
    recall: {{rounds: 1, min_domain_pages: 2, max_pages: 30}}
    llm: {{backend: openai, model: {server.model}, base_url: "{server.base_url}", max_tokens: 16, max_retries: 1, timeout_s: 60}}
""")
    assert main(["run", str(cfg)]) == 0, capsys.readouterr().err[-3000:]
    answered = server.stats()["answered"] - before
    con = duckdb.connect()
    r0 = con.execute(f"select source, scale, annotator, prompt_version, label from read_parquet('{out}/classifier/work/labels/round_0/*.parquet')").fetchall()
    # the sampled pages the random model answered without a score are skipped, not guessed
    assert 20 < len(r0) <= 40 and {r[:4] for r in r0} == {("llm", "score", "tiny-llm", prompt_hash("math_score"))}
    assert {r[4] for r in r0} >= {0, 4}
    report = json.load(open(out / "models" / "math_classifier" / "round_1" / "recall.json"))
    assert report["annotator"] == "llm" and report["domains"] and 0 < report["labels"] <= report["pages_sampled"]
    r1 = con.execute(f"select id, source from read_parquet('{out}/classifier/work/labels/round_1/*.parquet')").fetchall()
    assert len(r1) == report["labels"] and {s for _, s in r1} == {"llm"}
    assert not {i for i, _ in r1} & {r[0] for r in con.execute(
        f"select id from read_parquet('{out}/classifier/work/labels/round_0/*.parquet')").fetchall()}
    assert answered == 40 + report["pages_sampled"]  # every request answered once: nothing asked twice
    metrics = json.load(open(out / "models" / "math_classifier" / "round_1" / "metrics.json"))
    assert metrics["label_sources"] == {"llm": len(r0) + len(r1)}
    assert json.load(open(out / "models" / "math_classifier" / "latest.json"))["round"] == 1
    scored = con.execute(f"select count(*), count(math_score) from read_parquet('{out}/stats/classifier/*.parquet')").fetchone()
    assert scored[0] == scored[1] > 0
