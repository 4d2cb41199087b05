"""DuckDB over the stats tables: the named queries of `octo-curate stats`, and the HTML report.

The view `docs` holds every row of `<DIR>/stats/*/*.parquet` (one row per input document per
pipeline). Reasons carry details in parentheses ("truncated record (75207 of 88275 bytes)"); the
funnel groups them without the details.
"""
from __future__ import annotations

import base64
import csv
import glob
import html
import io
import json
import os

QUERIES = {
    # Per pipeline and dropping step, in pipeline order: documents in, dropped, left, top reasons.
    "funnel": """
with d as (select pipeline, status, dropped_by, coalesce(dropped_at, 0) as dropped_at,
                  regexp_replace(reason, ' \\(.*$', '') as reason from docs),
totals as (select pipeline, count(*) as n from d group by pipeline),
steps as (select pipeline, dropped_by, min(dropped_at) as pos, count(*) as dropped
          from d where status = 'dropped' group by pipeline, dropped_by),
ranked as (select pipeline, dropped_by, reason, count(*) as c,
                  row_number() over (partition by pipeline, dropped_by order by count(*) desc, reason) as rk
           from d where status = 'dropped' group by pipeline, dropped_by, reason),
top as (select pipeline, dropped_by, string_agg(reason || ' ' || c, ', ' order by rk) as top_reasons
        from ranked where rk <= 3 group by pipeline, dropped_by),
funnel as (
  select s.pipeline, s.pos, s.dropped_by as step,
         t.n - coalesce(sum(s.dropped) over (partition by s.pipeline order by s.pos, s.dropped_by
                         rows between unbounded preceding and 1 preceding), 0) as docs_in,
         s.dropped, top.top_reasons
  from steps s join totals t using (pipeline) left join top using (pipeline, dropped_by)
  union all
  select pipeline, 1000000 as pos, '(kept)' as step, count(*) as docs_in, 0 as dropped, null
  from d where status = 'kept' group by pipeline
  union all
  select t.pipeline, 1000000, '(kept)', 0, 0, null from totals t
  where not exists (select 1 from d where d.pipeline = t.pipeline and d.status = 'kept')
)
select pipeline, step, docs_in as "in", docs_in - dropped as kept, dropped, top_reasons
from funnel
order by coalesce(list_position(['web', 'classifier', 'dedup', 'rextract', 'refine', 'mix'], pipeline), 99),
         pipeline, pos, step
""",
    "domains": """
select domain, count(*) as docs, count(*) filter (where status = 'kept') as kept,
       round(avg(math_score), 3) as mean_math_score, round(avg(lang_score), 3) as mean_lang_score
from docs where domain is not null group by domain order by docs desc, domain limit 50
""",
    "scores": """
select pipeline, floor(least(math_score, 0.9999) * 10) / 10 as bucket, count(*) as docs,
       count(*) filter (where status = 'kept') as kept
from docs where math_score is not null group by pipeline, bucket order by pipeline, bucket
""",
    "refine": """
select coalesce(refine_status, '(none)') as refine_status, coalesce(refine_model, '') as model,
       count(*) as docs, round(100.0 * count(*) / sum(count(*)) over (), 1) as pct,
       sum(tokens_in) as tokens_in, sum(tokens_out) as tokens_out,
       round(avg(refine_latency_s), 3) as mean_latency_s,
       any_value(regexp_replace(reason, ' \\(.*$', '')) as example_reason
from docs where pipeline = 'refine' group by all order by docs desc
""",
}


class StatsError(Exception):
    pass


def connect(out_dir: str, pipeline: str | None = None):
    import duckdb

    files = glob.glob(os.path.join(out_dir, "stats", "*", "*.parquet"))
    if not files:
        raise StatsError(f"{out_dir}: no stats tables (stats/*/*.parquet); run `octo-curate run` first")
    con = duckdb.connect()
    pattern = os.path.join(out_dir, "stats", "*", "*.parquet").replace("'", "''")
    where = f" where pipeline = '{pipeline}'" if pipeline else ""
    con.execute(f"create view docs as select * from read_parquet('{pattern}', union_by_name=true){where}")
    return con


def run_sql(out_dir: str, sql: str, pipeline: str | None = None) -> tuple[list[str], list[tuple]]:
    import duckdb

    con = connect(out_dir, pipeline)
    try:
        cur = con.execute(sql)
    except duckdb.Error as e:
        raise StatsError(f"SQL error: {str(e).splitlines()[0]}") from None
    cols = [d[0] for d in cur.description] if cur.description else []
    return cols, cur.fetchall()


def format_rows(cols: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([dict(zip(cols, r)) for r in rows], default=str)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(cols)
        w.writerows(rows)
        return buf.getvalue().rstrip("\n")
    from rich.console import Console
    from rich.table import Table

    table = Table(*cols, show_lines=False)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    console = Console(file=io.StringIO(), width=160, color_system=None)
    console.print(table)
    return console.file.getvalue().rstrip("\n")


def run_query(out_dir: str, query: str = "funnel", sql: str | None = None, fmt: str = "table",
              pipeline: str | None = None) -> str:
    if sql is None:
        if query not in QUERIES:
            raise StatsError(f"--query {query!r}: known queries are {', '.join(QUERIES)} (or use --sql)")
        sql = QUERIES[query]
    cols, rows = run_sql(out_dir, sql, pipeline)
    return format_rows(cols, rows, fmt)


def _histogram_png(values: list[float], title: str, xlabel: str, log: bool = False) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3), dpi=100)
    ax.hist(values, bins=20, color="#3b6ea5", log=log)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("documents")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def write_report(out_dir: str, path: str) -> None:
    cols, rows = run_sql(out_dir, QUERIES["funnel"])
    parts = ["<!doctype html><meta charset='utf-8'><title>octo curation report</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}</style>",
             f"<h1>octo curation report</h1><p>{html.escape(os.path.abspath(out_dir))}</p><h2>Funnel</h2><table><tr>"]
    parts += [f"<th>{html.escape(c)}</th>" for c in cols] + ["</tr>"]
    for r in rows:
        parts.append("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r) + "</tr>")
    parts.append("</table><h2>Scores</h2>")
    for column, title, log in (("math_score", "math classifier score", False), ("lang_score", "language ID confidence", False),
                               ("n_words", "words per document", True)):
        _, vals = run_sql(out_dir, f"select {column} from docs where {column} is not null")
        if vals:
            png = _histogram_png([v[0] for v in vals], title, column, log)
            parts.append(f"<figure><img alt='{column} histogram' src='data:image/png;base64,{png}'><figcaption>{title} ({len(vals)} documents)</figcaption></figure>")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
