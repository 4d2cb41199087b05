"""End to end: `octo-curate run` on the generated sample, resume, change detection, Ray."""
import os
import signal
import subprocess
import sys
import time

import pytest

from curation.cli import main
from curation.stats import STATS_COLUMNS

from helpers import parquet_ids, stats, web_only_yaml


def test_sample_funnel_and_stats_contract(tmp_path, capsys):
    cfg = web_only_yaml(tmp_path, pages=120)
    out = str(tmp_path / "out")
    assert main(["run", cfg]) == 0
    capsys.readouterr()
    assert main(["stats", out, "--format", "csv"]) == 0
    funnel = capsys.readouterr().out.strip().splitlines()
    assert funnel[0] == "pipeline,step,in,kept,dropped,top_reasons"
    rows = {line.split(",")[1]: line.split(",") for line in funnel[1:]}
    assert list(rows) == ["reader", "language", "quality", "(kept)"]
    total = int(rows["reader"][2])
    assert total == 121  # 120 pages + the truncated record
    assert rows["reader"][4] == "3"  # the image, the 404, the truncated record
    assert int(rows["language"][4]) >= 3  # the German and French pages
    assert int(rows["(kept)"][2]) > 60

    # the DESIGN.md columns, one row per input document, doc_id unique
    cols = [r[0] for r in stats(out, "describe docs")]
    assert cols == STATS_COLUMNS
    n, distinct = stats(out, "select count(*), count(distinct doc_id) from docs")[0]
    assert n == distinct == total
    # every document is either in data/ or in excluded/<step>/, never both, never neither
    kept = parquet_ids(os.path.join(out, "web", "data"))
    excluded = parquet_ids(os.path.join(out, "web", "excluded"))
    assert len(kept) + len(excluded) == total and not set(kept) & set(excluded)
    assert set(kept) == {r[0] for r in stats(out, "select doc_id from docs where status = 'kept'")}
    # dropped rows say by which step and why
    assert stats(out, "select count(*) from docs where status = 'dropped' and (dropped_by is null or reason is null)")[0][0] == 0
    # math pages keep their markup counts and language scores
    assert stats(out, "select count(*) from docs where status = 'kept' and lang = 'en' and lang_score >= 0.65")[0][0] == len(kept)

    assert main(["stats", out, "--query", "domains", "--format", "json"]) == 0
    assert '"domain"' in capsys.readouterr().out
    report = tmp_path / "report.html"
    assert main(["stats", out, "--report", str(report)]) == 0
    html = report.read_text()
    assert "<table>" in html and "data:image/png;base64," in html


def test_stats_errors_are_one_line(tmp_path, capsys):
    assert main(["stats", str(tmp_path)]) == 2
    assert "no stats tables" in capsys.readouterr().err


def test_changed_config_is_refused_unless_forced(tmp_path, capsys):
    cfg = web_only_yaml(tmp_path, pages=40)
    assert main(["run", cfg]) == 0
    capsys.readouterr()
    assert main(["run", cfg, "--set", "pipelines.web.language.threshold=0.9"]) == 2
    err = capsys.readouterr().err
    assert "different config or input" in err and "--force" in err
    assert main(["run", cfg, "--set", "pipelines.web.language.threshold=0.9", "--force"]) == 0
    out = str(tmp_path / "out")
    assert stats(out, "select count(*) from docs")[0][0] == 41  # started over, not appended


def _ids(out):
    return sorted(r[0] for r in stats(out, "select doc_id from docs"))


def test_killed_run_resumes_without_doubling(tmp_path):
    """Stop a run midway (SIGKILL after the first task completes), rerun: same ids as an
    uninterrupted run, none doubled."""
    full_dir = tmp_path / "full"
    full_dir.mkdir()
    assert main(["run", web_only_yaml(full_dir, pages=400, files=8), "--tasks", "8"]) == 0
    expected = _ids(str(full_dir / "out"))

    cfg = web_only_yaml(tmp_path, pages=400, files=8)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "curation.cli", "run", cfg, "--tasks", "8", "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    completions = out / "logs" / "web" / "main" / "completions"
    deadline = time.time() + 120
    while time.time() < deadline and not (completions.is_dir() and len(os.listdir(completions)) >= 1):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = len(os.listdir(completions))
    assert 1 <= done_at_kill < 8, "the run should have been stopped midway"

    assert main(["run", cfg, "--tasks", "8", "--workers", "1"]) == 0
    assert _ids(str(out)) == expected
    assert main(["run", cfg, "--tasks", "8", "--workers", "1"]) == 0  # a third run: nothing to do
    assert _ids(str(out)) == expected
    assert sorted(parquet_ids(str(out / "web" / "data"))) == sorted(parquet_ids(str(full_dir / "out" / "web" / "data")))


def test_ray_executor_matches_local(tmp_path):
    ray = pytest.importorskip("ray")
    local_dir, ray_dir = tmp_path / "local", tmp_path / "ray"
    local_dir.mkdir()
    ray_dir.mkdir()
    assert main(["run", web_only_yaml(local_dir, pages=60)]) == 0
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        assert main(["run", web_only_yaml(ray_dir, pages=60), "--executor", "ray"]) == 0
    finally:
        ray.shutdown()
    q = "select doc_id, status, dropped_by, reason, lang from docs order by doc_id"
    assert stats(str(ray_dir / "out"), q) == stats(str(local_dir / "out"), q)
    assert sorted(parquet_ids(str(ray_dir / "out" / "web" / "data"))) == sorted(parquet_ids(str(local_dir / "out" / "web" / "data")))


def test_limit_reads_at_most_n_per_task(tmp_path):
    cfg = web_only_yaml(tmp_path, pages=60, files=2)
    assert main(["run", cfg, "--limit", "5", "--workers", "2"]) == 0
    assert stats(str(tmp_path / "out"), "select count(*) from docs")[0][0] == 10  # 2 tasks x 5


def test_workers_and_llm_transport_do_not_change_the_fingerprint(tmp_path):
    from curation.config import load_config
    from curation.context import PipelineContext
    from curation.runner import fingerprint

    cfg_path = web_only_yaml(tmp_path, pages=20)

    def digest(*overrides, tasks=2):
        cfg = load_config(cfg_path, list(overrides))
        ctx = PipelineContext(name="web", config=cfg, output=str(tmp_path / "out"), tasks=tasks, workers=1)
        return fingerprint(ctx, cfg)[0]

    base = digest()
    assert digest("pipelines.web.workers=2") == base
    assert digest(tasks=3) != base
    assert digest("pipelines.web.language.threshold=0.9") != base


def test_missing_input_pipeline_output_is_one_line_exit_2(tmp_path, capsys):
    from helpers import RECIPE

    assert main(["run", RECIPE, "--only", "dedup", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "holds no parquet" in err
