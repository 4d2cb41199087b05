"""Small helpers shared by the curation tests."""
from __future__ import annotations

import glob
import os

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECIPE = os.path.join(ROOT, "pipelines.yaml")


def write_yaml(path, text: str) -> str:
    with open(path, "w") as f:
        f.write(text)
    return str(path)


def web_only_yaml(tmp_path, pages: int = 120, files: int = 2, extra: str = "") -> str:
    return write_yaml(tmp_path / "web.yaml", f"""
output: {tmp_path / 'out'}
executor: {{type: local, tasks: 2, workers: 1}}
pipelines:
  web:
    input:
      sample: {{pages: {pages}, seed: 1, files: {files}}}
{extra}
""")


def stats(out: str, sql: str):
    con = duckdb.connect()
    con.execute(f"create view docs as select * from read_parquet('{out}/stats/*/*.parquet')")
    return con.execute(sql).fetchall()


def parquet_ids(folder: str) -> list[str]:
    files = glob.glob(os.path.join(folder, "**", "*.parquet"), recursive=True)
    if not files:
        return []
    con = duckdb.connect()
    return [r[0] for r in con.execute(f"select id from read_parquet({files!r})").fetchall()]
