"""`octo-curate run` web -> classifier on the generated sample: bootstrap labels, training,
evaluation, an offline recall round, scoring; the model must separate the sample's math pages
from its non-math ones (the sample generator knows which is which)."""
import json
import os

import duckdb
import pytest

from classifiers.score import MathModel
from curation.cli import main
from curation.sample import sample_pages

PAGES, SEED = 480, 3  # enough pages for the small model to see every genre of hard negative


def recipe(tmp_path, classifier_extra: str = "") -> str:
    path = tmp_path / "recipe.yaml"
    path.write_text(f"""
output: {tmp_path / 'out'}
executor: {{type: local, tasks: 2, workers: 1}}
pipelines:
  web:
    input:
      sample: {{pages: {PAGES}, seed: {SEED}, files: 2}}
  classifier:
    depends_on: [web]
    fasttext: {{dim: 32, lr: 0.5, epoch: 30, bucket: 20000, threads: 1}}
{classifier_extra}
""")
    return str(path)


def truth_by_url() -> dict[str, bool]:
    return {p.url: p.kind.startswith("math") for p in sample_pages(PAGES, SEED)}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("clf")
    cfg = recipe(tmp_path, "    recall: {rounds: 1, min_domain_pages: 2}")
    assert main(["run", cfg]) == 0
    return tmp_path, str(tmp_path / "out"), cfg


def test_bootstrap_model_separates_the_sample(sample_run):
    _, out, _ = sample_run
    truth = truth_by_url()
    con = duckdb.connect()
    rows = con.execute(f"select url, math_score, status from read_parquet('{out}/stats/classifier/*.parquet')").fetchall()
    web_kept = con.execute(f"select count(*) from read_parquet('{out}/stats/web/*.parquet') where status = 'kept'").fetchone()[0]
    assert len(rows) == web_kept  # one stats row per page the classifier read
    assert all(score is not None for _, score, _ in rows)
    tp = sum(1 for url, s, _ in rows if truth[url] and s >= 0.5)
    fp = sum(1 for url, s, _ in rows if not truth[url] and s >= 0.5)
    fn = sum(1 for url, s, _ in rows if truth[url] and s < 0.5)
    n_math = tp + fn
    assert n_math > 60 and len(rows) - n_math > 40
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.95 and recall >= 0.95, (tp, fp, fn)
    # the hard negatives (news pages loading MathJax) and code pages score low
    hard = [s for url, s, _ in rows if not truth[url] and ("dailynews" in url or "devblog" in url)]
    assert hard and max(hard) < 0.5
    # kept pages are in classifier/data (what dedup reads), with math_score in their metadata
    data = con.execute(f"select url, metadata from read_parquet('{out}/classifier/data/*.parquet')").fetchall()
    assert {u for u, _ in data} == {url for url, s, st in rows if st == "kept"}
    assert all(json.loads(md)["math_score"] >= 0.5 for _, md in data)
    excluded = con.execute(f"select count(*) from read_parquet('{out}/classifier/excluded/math_classifier/*.parquet')").fetchone()[0]
    assert excluded == len(rows) - len(data)


def test_models_metrics_and_curve_land_in_the_output(sample_run):
    _, out, _ = sample_run
    root = os.path.join(out, "models", "math_classifier")
    for k in (0, 1):
        for name in ("model.bin", "model.json", "metrics.json", "pr_curve.png"):
            assert os.path.getsize(os.path.join(root, f"round_{k}", name)) > 0
    metrics = json.load(open(os.path.join(root, "round_0", "metrics.json")))
    assert metrics["label_sources"]["bootstrap"] > 150
    assert metrics["roc_auc"] > 0.95 and metrics["at_threshold"]["f1"] > 0.9
    latest = json.load(open(os.path.join(root, "latest.json")))
    assert latest["round"] == 1
    assert open(os.path.join(root, "latest.bin"), "rb").read() == open(os.path.join(root, "round_1", "model.bin"), "rb").read()
    assert MathModel(os.path.join(root, "latest.bin")).variant == "binary"


def test_offline_recall_round(sample_run):
    _, out, _ = sample_run
    report = json.load(open(os.path.join(out, "models", "math_classifier", "round_1", "recall.json")))
    assert report["annotator"] == "bootstrap"
    assert report["domains"] and all(d["math_share"] >= 0.3 for d in report["domains"])
    assert any("stackexchange" in d["domain"] for d in report["domains"])
    assert not any("dailynews" in d["domain"] or "shop" in d["domain"] for d in report["domains"])
    labels = duckdb.connect().execute(
        f"select count(*), count(distinct id) from read_parquet('{out}/classifier/work/labels/round_1/*.parquet')").fetchone()
    assert labels[0] == labels[1] == report["labels"]
    # a recall round labels pages no earlier round labelled
    overlap = duckdb.connect().execute(
        f"select count(*) from read_parquet('{out}/classifier/work/labels/round_1/*.parquet') a "
        f"join read_parquet('{out}/classifier/work/labels/round_0/*.parquet') b using (id)").fetchone()[0]
    assert overlap == 0


def test_stats_scores_query_and_resume(sample_run, capsys):
    _, out, cfg = sample_run
    capsys.readouterr()
    assert main(["stats", out, "--query", "scores", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "pipeline,bucket,docs,kept"
    buckets = [line.split(",") for line in lines[1:] if line.startswith("classifier,")]
    assert {float(b[1]) for b in buckets} >= {0.0, 0.9}  # confident both ways, not all near 0.5
    # a rerun has nothing to do and changes nothing
    before = os.path.getmtime(os.path.join(out, "models", "math_classifier", "latest.bin"))
    assert main(["run", cfg]) == 0
    assert "classifier: complete" in capsys.readouterr().err
    assert os.path.getmtime(os.path.join(out, "models", "math_classifier", "latest.bin")) == before


def test_config_errors_are_one_line(tmp_path, capsys):
    cfg = recipe(tmp_path, "    labels: {llm: {enabled: true}}")
    assert main(["validate", cfg]) == 2
    err = capsys.readouterr().err.strip()
    assert "pipelines.classifier" in err and "llm.backend" in err and "\n" not in err
    cfg = recipe(tmp_path, "    fasttext: {bucket: 0}")
    assert main(["validate", cfg]) == 2
    assert "bucket" in capsys.readouterr().err
    cfg = recipe(tmp_path, f"    labels: {{files: [{tmp_path / 'absent.jsonl'}]}}")
    assert main(["run", cfg, "--only", "classifier"]) == 2  # no web output yet
    assert "holds no parquet" in capsys.readouterr().err
    assert main(["run", cfg, "--only", "web"]) == 0
    capsys.readouterr()
    assert main(["run", cfg, "--only", "classifier"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "label file not found" in err and "absent.jsonl" in err
