"""`octo-curate run ... --only refine --set pipelines.refine.llm.*` through a real server: a kill -9 of
the client mid-run, the rerun, --force re-judging stored answers, `stats --query refine`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from llm_server import free_port, running_server
from refine_fixtures import assert_one_outcome_each, stored_answers, write_input

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "curation.cli", *args], cwd=ROOT, capture_output=True, text=True, **kw)


def test_cli_run_survives_kill_9_and_stats_query(tiny_model, tmp_path):
    out = str(tmp_path / "out")
    ids = write_input(out, n=10)
    yaml_path = tmp_path / "pipelines.yaml"
    yaml_path.write_text(f"""
output: {out}
executor: {{type: local, tasks: 1, workers: 1}}
pipelines:
  refine:
    depends_on: [rextract]
    llm: {{backend: none, max_tokens: 16, concurrency: 1, max_retries: 2, retry_base_s: 0.05}}
    min_output_tokens: 4
    min_length_ratio: 0.0
    max_length_ratio: 1000
    min_latex_kept: 0
    reject_truncated: false
    check_language: false
""")
    with running_server(tiny_model, delay=0.4) as srv:
        cmd = ["run", str(yaml_path), "--only", "refine", "--set", "pipelines.refine.llm.backend=openai",
               "--set", f"pipelines.refine.llm.base_url={srv.base_url}", "--set", f"pipelines.refine.llm.model={srv.model}"]
        proc = subprocess.Popen([sys.executable, "-m", "curation.cli", *cmd], cwd=ROOT, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while len(stored_answers(out)) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # kill -9, mid-run
        proc.wait()
        stored = len(stored_answers(out))
        assert 3 <= stored < 10
        asked_before = srv.stats()["requests"]

        done = _cli(*cmd, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        # Only the missing answers are asked again (the one in flight at the kill among them).
        assert srv.stats()["requests"] - asked_before == 10 - stored
        rows = assert_one_outcome_each(out, ids)
        assert Counter(r["refine_status"] for r in rows) == {"ok": 10}

        # A changed validation bound needs --force; the stored answers are judged again, not re-asked.
        asked_before = srv.stats()["requests"]
        strict = [*cmd, "--set", "pipelines.refine.reject_truncated=true"]
        assert _cli(*strict, timeout=120).returncode == 2  # a different config: refuses to mix runs
        done = _cli(*strict, "--force", timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert srv.stats()["requests"] == asked_before
    truncated = [r for r in rows if r["tokens_out"] == 16]
    rows = assert_one_outcome_each(out, ids)
    assert sum(r["reason"] == "truncated" for r in rows) == len(truncated) > 0

    st = _cli("stats", out, "--query", "refine", "--format", "json", timeout=120)
    assert st.returncode == 0, st.stderr
    table = json.loads(st.stdout)
    assert sum(r["docs"] for r in table) == 10
    assert sum(r["tokens_in"] for r in table) == sum(r["tokens_in"] for r in rows)
    assert {r["refine_status"] for r in table} <= {"ok", "rejected"}


def test_cli_reports_a_dead_server_with_exit_1(tmp_path):
    out = str(tmp_path / "out")
    write_input(out, n=2)
    yaml_path = tmp_path / "p.yaml"
    yaml_path.write_text(f"output: {out}\npipelines:\n  refine:\n    llm: {{backend: none, max_retries: 1, retry_base_s: 0.01}}\n")
    res = _cli("run", str(yaml_path), "--only", "refine", "--set", "pipelines.refine.llm.backend=openai",
               "--set", f"pipelines.refine.llm.base_url=http://127.0.0.1:{free_port()}/v1",
               "--set", "pipelines.refine.llm.model=m", timeout=120)
    assert res.returncode == 1
    assert "rerun" in res.stderr.splitlines()[-1]
