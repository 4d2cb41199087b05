"""The dedup pipeline's stages run by real datatrove executors on parquet in <tmp>/web/data."""
from __future__ import annotations

import json
import os
import random
from itertools import combinations
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.executor import LocalPipelineExecutor

from curation.context import PipelineContext
from curation.dedup.buckets import bucket_edges
from curation.dedup.clusters import connected_components
from curation.minhash import NgramHasher
from curation.pipelines.dedup import DedupConfig, build

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "xe", "zi", "pa", "qu", "de", "fo", "gi", "hu", "ja"]


def run_dedup(out: Path, cfg: DedupConfig, tasks: int = 1, workers: int = 1, limit: int | None = None) -> None:
    """Run every stage in order, as the runner does for `executor: local`."""
    config = SimpleNamespace(pipelines=SimpleNamespace(dedup=cfg))
    ctx = PipelineContext(name="dedup", config=config, output=str(out), tasks=tasks, workers=workers, limit=limit)
    for stage in build(ctx):
        LocalPipelineExecutor(
            pipeline=stage.steps, tasks=stage.tasks, workers=stage.workers or 1, logging_dir=str(out / "logs" / "dedup" / stage.name)
        ).run()


def write_web_data(out: Path, docs: list[dict], files: int = 4) -> None:
    folder = out / "web" / "data"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        part = docs[i::files]
        table = pa.table(
            {
                "id": [d["id"] for d in part],
                "text": [d["text"] for d in part],
                "url": [f"https://example.org/{d['id']}" for d in part],
                "metadata": [json.dumps(d.get("metadata", {})) for d in part],
            }
        )
        pq.write_table(table, folder / f"{i:05d}.parquet")


def read_stats(out: Path) -> pl.DataFrame:
    return pl.read_parquet(str(out / "stats" / "dedup" / "*.parquet")).sort("doc_id")


def cluster_of(stats: pl.DataFrame) -> dict[str, str]:
    return {r["doc_id"]: r["dup_cluster"] or r["doc_id"] for r in stats.iter_rows(named=True)}


# ----------------------------------------------------------------------------- generated corpus


def controlled_corpus(seed: int = 0, families: int = 10) -> list[dict]:
    """Families of a base text, close variants (a few word edits), one far variant (many edits),
    an exact copy and a copy differing only in case/spacing; plus unrelated singletons."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(4000)})

    def edit(words: list[str], n: int) -> list[str]:
        out = list(words)
        for pos in rng.sample(range(len(out)), n):
            out[pos] = rng.choice(vocab)
        return out

    docs = []
    for f in range(families):
        base = [rng.choice(vocab) for _ in range(150)]
        docs.append({"id": f"f{f:02d}-base", "text": " ".join(base)})
        for v, n_edits in enumerate((1, 2, 3, 3)):
            docs.append({"id": f"f{f:02d}-close{v}", "text": " ".join(edit(base, n_edits))})
        docs.append({"id": f"f{f:02d}-far", "text": " ".join(edit(base, 15))})
        docs.append({"id": f"f{f:02d}-copy", "text": " ".join(base)})
        docs.append({"id": f"f{f:02d}-case", "text": "  ".join(base).upper()})
    for s in range(20):
        docs.append({"id": f"single{s:02d}", "text": " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 200)))})
    rng.shuffle(docs)
    return docs


def exact_jaccards(docs: list[dict], n: int = 5) -> dict[tuple[str, str], float]:
    hasher = NgramHasher()
    words = hasher.words([d["text"] for d in docs])
    hashes, offsets, _ = hasher.ngram_hashes(words, n)
    sets = {d["id"]: set(hashes[offsets[i] : offsets[i + 1]].tolist()) for i, d in enumerate(docs)}
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in combinations(sorted(sets), 2)}


TUNED = {"minhash": {"bands": 20, "rows": 5, "verify_threshold": 0.6}}


def test_pairs_above_080_share_a_cluster_and_pairs_below_050_never(tmp_path):
    docs = controlled_corpus()
    write_web_data(tmp_path, docs)
    run_dedup(tmp_path, DedupConfig.model_validate(TUNED), tasks=2)
    stats = read_stats(tmp_path)
    assert stats.height == len(docs)
    cluster = cluster_of(stats)
    jac = exact_jaccards(docs)
    high = [(p, j) for p, j in jac.items() if j >= 0.8]
    low = [(p, j) for p, j in jac.items() if j < 0.5]
    assert len(high) > 100 and len(low) > 1000
    assert any(0.3 < j < 0.5 for _, j in low), "the corpus must contain near-misses"
    for (a, b), j in high:
        assert cluster[a] == cluster[b], f"{a} and {b} (Jaccard {j:.2f}) are in different clusters"
    for (a, b), j in low:
        assert cluster[a] != cluster[b], f"{a} and {b} (Jaccard {j:.2f}) share a cluster"
    # Every family keeps exactly one of base/close/copy/case; its far variant survives alone.
    kept = set(stats.filter(pl.col("status") == "kept")["doc_id"])
    for f in range(10):
        family = {d["id"] for d in docs if d["id"].startswith(f"f{f:02d}-") and not d["id"].endswith("far")}
        assert len(family & kept) == 1
        assert f"f{f:02d}-far" in kept
    by_id = {r["doc_id"]: r for r in stats.iter_rows(named=True)}
    # copy and case differ from base only by normalisation: exact duplicates of each other.
    assert by_id["f03-copy"]["dup_cluster_size"] == 7
    dropped = {r["dropped_by"] for r in stats.iter_rows(named=True) if r["status"] == "dropped"}
    assert dropped == {"exact_dedup", "minhash_dedup"}
    singles = stats.filter(pl.col("doc_id").str.starts_with("single"))
    assert singles["dup_cluster"].is_null().all() and singles["dup_cluster_size"].is_null().all()


def test_multi_task_run_gives_the_same_clusters_as_a_single_task(tmp_path):
    docs = controlled_corpus(seed=3, families=8)
    cols = ["doc_id", "status", "dropped_by", "reason", "dup_cluster", "dup_cluster_size"]
    results = []
    for name, tasks, workers, extra in (("one", 1, 1, {}), ("three", 3, 2, {"bucket_tasks": 3, "minhash": {**TUNED["minhash"], "key_ranges": 3}})):
        out = tmp_path / name
        write_web_data(out, docs, files=5)
        cfg = DedupConfig.model_validate({**TUNED, **extra})
        run_dedup(out, cfg, tasks=tasks, workers=workers)
        assert len(os.listdir(out / "dedup" / "work" / "signatures")) == tasks
        results.append(read_stats(out).select(cols))
    assert results[0].equals(results[1])
    assert results[0]["dup_cluster"].drop_nulls().n_unique() >= 8


def test_default_megamath_config_on_user_parquet_with_struct_metadata(tmp_path):
    """A user's own parquet (metadata as a struct, an extra column) goes through the defaults."""
    rng = random.Random(2)
    words = [f"w{i}" for i in range(3000)]
    base = [" ".join(rng.choice(words) for _ in range(300)) for _ in range(6)]
    rows = []
    for i, text in enumerate(base):
        rows.append({"id": f"u{i}", "text": text, "url": f"https://u.example/{i}", "metadata": {"math_score": 0.1 * i, "crawl_date": "2024-01-0%d" % (i + 1)}, "lang": "en"})
        rows.append({"id": f"u{i}-dup", "text": text + " extra", "url": f"https://u.example/{i}d", "metadata": {"math_score": 0.9, "crawl_date": None}, "lang": "en"})
    rows.append({"id": "empty", "text": "", "url": None, "metadata": {"math_score": None, "crawl_date": None}, "lang": None})
    rows.append({"id": "empty2", "text": "  ", "url": None, "metadata": {"math_score": None, "crawl_date": None}, "lang": None})
    (tmp_path / "web" / "data").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "web" / "data" / "mine.parquet")
    cfg = DedupConfig()
    assert (cfg.minhash.bands, cfg.minhash.rows, cfg.minhash.ngram, cfg.decontaminate.ngram) == (11, 10, 5, 13)
    run_dedup(tmp_path, cfg, tasks=2)
    stats = read_stats(tmp_path)
    assert stats.height == len(rows)
    by_id = {r["doc_id"]: r for r in stats.iter_rows(named=True)}
    for i in range(6):
        # The copy with the higher math_score survives; the cluster is named after it.
        assert by_id[f"u{i}-dup"]["status"] == "kept", i
        assert by_id[f"u{i}"]["dropped_by"] == "minhash_dedup"
        assert by_id[f"u{i}"]["dup_cluster"] == f"u{i}-dup" and by_id[f"u{i}"]["dup_cluster_size"] == 2
    assert by_id["empty"]["status"] == "kept" and by_id["empty"]["dup_cluster"] is None  # empty pages are not duplicates
    kept = pl.read_parquet(str(tmp_path / "dedup" / "data" / "*.parquet"))
    assert sorted(kept["id"]) == sorted(r["doc_id"] for r in by_id.values() if r["status"] == "kept")
    assert set(kept.columns) >= {"id", "text", "url", "metadata"}
    assert json.loads(kept.filter(pl.col("id") == "u0-dup")["metadata"][0])["dup_cluster"] == "u0-dup"
    excluded = pl.read_parquet(str(tmp_path / "dedup" / "excluded" / "minhash_dedup" / "*.parquet"))
    assert sorted(excluded["id"]) == [f"u{i}" for i in range(6)]


def corpus_of_copies() -> list[dict]:
    text = "the derivative of x squared is two x and the integral of two x is x squared plus c " * 5
    meta = [
        ("a", {"math_score": 0.5, "crawl_date": "2023-01-01"}, text),
        ("b", {"math_score": 0.9, "crawl_date": "2021-01-01"}, text),
        ("c", {"math_score": 0.9, "crawl_date": "2024-06-01"}, text),
        ("d", {"math_score": None, "crawl_date": "2025-01-01"}, text + "  "),
        ("e", {"math_score": 0.1, "crawl_date": "2020-01-01"}, text.upper() + " more words at the end"),
    ]
    return [{"id": i, "text": t, "metadata": m} for i, m, t in meta]


@pytest.mark.parametrize(
    "keep,survivor",
    [(["math_score", "length", "crawl_date"], "c"), (["length", "math_score"], "e"), (["crawl_date"], "d"), ([], "a")],
)
def test_survivor_follows_the_configured_order(tmp_path, keep, survivor):
    write_web_data(tmp_path, corpus_of_copies(), files=2)
    run_dedup(tmp_path, DedupConfig.model_validate({"keep": keep, **TUNED}), tasks=2)
    stats = read_stats(tmp_path)
    assert stats.filter(pl.col("status") == "kept")["doc_id"].to_list() == [survivor]
    assert set(stats["dup_cluster"]) == {survivor}
    assert set(stats["dup_cluster_size"]) == {5}
    # a-d share the normalised text (exact); e only nearly.
    reasons = {r["doc_id"]: r["dropped_by"] for r in stats.iter_rows(named=True)}
    if survivor != "e":
        assert reasons["e"] == "minhash_dedup"
        assert {reasons[x] for x in "abcd" if x != survivor} == {"exact_dedup"}


def test_exact_only_and_minhash_only(tmp_path):
    docs = corpus_of_copies()
    write_web_data(tmp_path / "exact", docs, files=1)
    run_dedup(tmp_path / "exact", DedupConfig.model_validate({"minhash": {"enabled": False}}))
    stats = read_stats(tmp_path / "exact")
    assert stats.filter(pl.col("status") == "dropped")["dropped_by"].unique().to_list() == ["exact_dedup"]
    assert stats.filter(pl.col("doc_id") == "e")["dup_cluster"][0] is None
    write_web_data(tmp_path / "near", docs, files=1)
    run_dedup(tmp_path / "near", DedupConfig.model_validate({"exact": {"enabled": False}, **TUNED}))
    stats = read_stats(tmp_path / "near")
    assert stats.filter(pl.col("status") == "dropped")["dropped_by"].unique().to_list() == ["minhash_dedup"]
    assert stats.filter(pl.col("status") == "kept").height == 1


def test_rerun_resumes_without_doubling_and_replaces_a_lost_task(tmp_path):
    docs = controlled_corpus(seed=5, families=4)
    write_web_data(tmp_path, docs, files=3)
    cfg = DedupConfig.model_validate(TUNED)
    run_dedup(tmp_path, cfg, tasks=3)
    first = read_stats(tmp_path)
    run_dedup(tmp_path, cfg, tasks=3)  # everything completed: nothing reruns
    assert read_stats(tmp_path).equals(first)
    # Lose the filter stage's task 1 (completion and outputs): the rerun redoes just that task.
    os.remove(tmp_path / "logs" / "dedup" / "filter" / "completions" / "00001")
    os.remove(tmp_path / "stats" / "dedup" / "00001.parquet")
    run_dedup(tmp_path, cfg, tasks=3)
    assert read_stats(tmp_path).equals(first)
    assert first.height == len(docs)


def test_input_changed_between_stages_is_a_clear_error(tmp_path):
    docs = controlled_corpus(seed=6, families=3)
    write_web_data(tmp_path, docs, files=2)
    config = SimpleNamespace(pipelines=SimpleNamespace(dedup=DedupConfig.model_validate(TUNED)))
    ctx = PipelineContext(name="dedup", config=config, output=str(tmp_path), tasks=1, workers=1)
    stages = build(ctx)
    assert [s.name for s in stages] == ["signatures", "buckets", "clusters", "filter"]
    for stage in stages[:3]:
        LocalPipelineExecutor(pipeline=stage.steps, tasks=stage.tasks, workers=1, logging_dir=str(tmp_path / "logs" / stage.name)).run()
    write_web_data(tmp_path, list(reversed(docs)), files=2)
    with pytest.raises(ValueError, match="input changed between stages"):
        LocalPipelineExecutor(pipeline=stages[3].steps, tasks=1, workers=1, logging_dir=str(tmp_path / "logs" / "filter")).run()


def test_stage_layout_and_task_counts():
    cfg = DedupConfig.model_validate({"minhash": {"key_ranges": 2}})
    config = SimpleNamespace(pipelines=SimpleNamespace(dedup=cfg))
    stages = build(PipelineContext(name="dedup", config=config, output="o", tasks=8, workers=4))
    assert [(s.name, s.tasks) for s in stages] == [("signatures", 8), ("buckets", 24), ("clusters", 1), ("filter", 8)]
    cfg = DedupConfig.model_validate({"exact": {"enabled": False}, "minhash": {"enabled": False}})
    stages = build(PipelineContext(name="dedup", config=SimpleNamespace(pipelines=SimpleNamespace(dedup=cfg)), output="o", tasks=2, workers=1))
    assert [s.name for s in stages] == ["filter"]


# ----------------------------------------------------------------------------- building blocks


def python_union_find(n: int, edges: np.ndarray) -> list[int]:
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for u, v in edges.tolist():
        ru, rv = find(u), find(v)
        if ru != rv:
            parent[max(ru, rv)] = min(ru, rv)
    return [find(x) for x in range(n)]


@pytest.mark.parametrize("n,m,chunk", [(1000, 800, 100), (5000, 4000, 4000), (300, 0, 10)])
def test_connected_components_equal_a_python_union_find(n, m, chunk):
    rng = np.random.default_rng(n + m)
    edges = rng.integers(0, n, size=(m, 2)).astype(np.uint64)
    # Long paths in reverse order: the worst case for hooking.
    path = np.column_stack((np.arange(n - 1, 0, -1), np.arange(n - 2, -1, -1)))[: n // 4].astype(np.uint64)
    edges = np.concatenate((edges, path))
    labels = connected_components(n, lambda: (edges[i : i + chunk] for i in range(0, len(edges), chunk)))
    assert labels.tolist() == python_union_find(n, edges)


def test_bucket_edges_link_each_bucket_and_verification_cuts_false_candidates():
    keys = np.array([5, 9, 5, 5, 7, 9], dtype=np.uint64)
    id_hash = np.array([3, 1, 1, 2, 0, 0], dtype=np.uint64)
    gidx = np.arange(6, dtype=np.uint64) + 100
    edges = bucket_edges(keys, id_hash, gidx)
    # Bucket 5 = docs 100, 102, 103 ordered by id hash -> 102 first; bucket 9 -> 105 first.
    assert sorted(map(tuple, edges.tolist())) == [(102, 100), (102, 103), (105, 101)]

    class Sigs:
        rows_by = {100: [1, 2, 3, 4], 101: [0, 0, 0, 0], 102: [9, 9, 9, 9], 103: [1, 2, 3, 5], 105: [7, 7, 7, 7]}

        def rows(self, g):
            return np.array([self.rows_by[int(x)] for x in g])

    # 102 is unlike both others; 100 and 103 agree on 3/4: the second round links them.
    edges = bucket_edges(keys, id_hash, gidx, Sigs(), threshold=0.7)
    assert sorted(map(tuple, edges.tolist())) == [(103, 100)]


def test_choose_survivors_orders_by_keys_then_id_and_reads_ids_only_for_ties():
    from curation.dedup.clusters import choose_survivors

    root = np.array([0, 0, 0, 3, 3, 5, 5, 5])
    score = np.array([0.5, np.nan, 0.9, 0.2, 0.2, 0.1, 0.1, 0.3])
    length = np.array([10, 99, 5, 7, 7, 1, 1, 1], dtype=float)
    ids = ["a", "b", "c", "z", "y", "m", "n", "o"]
    asked = []

    def id_of(rows):
        asked.extend(rows.tolist())
        return [ids[r] for r in rows]

    survivor = choose_survivors(root, [score, length], id_of)
    # group 0: highest score (NaN is worst) -> c; group 3: tie on both keys -> smallest id y; group 5: o
    assert survivor.tolist() == [2, 2, 2, 4, 4, 7, 7, 7]
    assert sorted(asked) == [3, 4]
    # No keys: the smallest id of each group.
    assert choose_survivors(root, [], id_of).tolist() == [0, 0, 0, 4, 4, 5, 5, 5]


def test_octo_curate_run_only_dedup_on_user_parquet_with_the_committed_recipe(tmp_path, capsys):
    """`octo-curate run pipelines.yaml --only dedup` on parquet a user put in web/data, then a
    resumed rerun (nothing to do), then a changed config (refused without --force)."""
    from curation.cli import main

    recipe = Path(__file__).resolve().parents[2] / "pipelines.yaml"
    out = tmp_path / "out"
    docs = corpus_of_copies() + [{"id": f"other{i}", "text": f"unrelated page number {i} " * 20} for i in range(5)]
    write_web_data(out, docs, files=2)
    # the committed recipe dedups what the classifier kept; a user's web/data is read with depends_on=[web]
    args = ["run", str(recipe), "--only", "dedup", "--output", str(out), "--executor", "local", "--workers", "1",
            "--set", "pipelines.dedup.depends_on=[web]"]
    assert main(args) == 0
    stats = read_stats(out)
    assert stats.height == len(docs)
    assert stats.filter(pl.col("dup_cluster") == "c")["dup_cluster_size"].to_list() == [5] * 4 + [5]
    assert main(args) == 0
    assert "dedup: complete, nothing to do" in capsys.readouterr().err
    assert main(args + ["--set", "pipelines.dedup.minhash.bands=20"]) == 2
