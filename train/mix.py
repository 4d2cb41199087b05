"""The `mix` pipeline: tokenise and pack the sources of each mix, blend them by weight.

Three stages, each a datatrove executor run by the curation runner:

  prepare   one task: resolve every source (a missing one stops here, before any work), load the
            tokenizer or train our byte-level BPE on the sources (`<output>/models/tokenizer/`),
            drop packed units the config no longer has
  pack      N tasks: each input unit (one parquet/jsonl file, one HF dataset, one generated set)
            of each source of each mix is tokenised, EOS-terminated and packed into fixed-length
            rows (train/packing.py); one stats row per document in `stats/mix/`. A unit whose
            index already holds the same fingerprint is skipped: reruns resume, never redo.
  blend     one task: per mix, Megatron's greedy interleave of the sources' rows by weight,
            `mixes/<mix>/manifest.json` with the token counts and achieved shares.

Source kinds (train/config.py MixSource): `pipeline` — a curated output `<output>/<p>/data/`,
or a list of them, the first with data wins ([refine, rextract, dedup, web]: the most refined
that exists); `path` — local jsonl/parquet; `hf` — a Hugging Face dataset id, streamed;
`generate` — our word problems (train/qa_synth.py).
"""
from __future__ import annotations

import glob as globlib
import gzip
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from typing import Iterator

from datatrove.pipeline.base import PipelineStep
from loguru import logger as log  # datatrove's logger: lines land in logs/mix/<stage>/

from curation.context import PipelineContext, Stage
from train.config import MixConfig, MixPipelineConfig, MixSource

PACK_VERSION = 1
READ_BATCH = 512


class MixError(Exception):
    """A mix that cannot be built as configured (missing source, unknown tokenizer): one line."""


@dataclass(frozen=True)
class Unit:
    """One packable piece of a source: an input file, a dataset, or a generated set."""

    mix: str
    source: str
    index: int
    ref: str  # file path, HF id or "generated"
    detail: str  # for the manifest: which pipeline or path it came from

    @property
    def stem(self) -> str:
        return f"{self.index:05d}"


# ---------------------------------------------------------------------------------- sources

DATA_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet")


def _data_files(path: str) -> list[str]:
    if os.path.isdir(path):
        return sorted(p for p in globlib.glob(os.path.join(path, "**", "*"), recursive=True)
                      if p.endswith(DATA_SUFFIXES) and os.path.isfile(p))
    if any(c in path for c in "*?["):
        return sorted(p for p in globlib.glob(path, recursive=True) if os.path.isfile(p))
    return [path] if os.path.isfile(path) else []


def _parquet_rows(path: str) -> int:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # unreadable: let the pack step report it with its path
        return 1


def resolve_units(output: str, mix: str, src: MixSource) -> list[Unit]:
    """The units of a source, or MixError naming the mix, the source and what is missing."""
    where = f"mix {mix!r}, source {src.name!r}"
    if src.kind == "pipeline":
        for p in src.pipelines:  # "has data": parquet with rows (a pipeline may write empty shards)
            files = [f for f in sorted(globlib.glob(os.path.join(output, p, "data", "*.parquet"))) if _parquet_rows(f)]
            if files:
                return [Unit(mix, src.name, i, f, f"pipeline:{p}") for i, f in enumerate(files)]
        tried = ", ".join(src.pipelines)
        raise MixError(f"{where}: no data from pipeline(s) {tried} (no rows in {output}/<pipeline>/data/*.parquet); "
                       f"run them first or point the source elsewhere")
    if src.kind == "path":
        path = os.path.join(output, src.path) if src.path.startswith(("models/", "mixes/")) else src.path
        files = _data_files(path)
        if not files:
            raise MixError(f"{where}: path {src.path!r} matches no .jsonl/.parquet file")
        bad = [f for f in files if not f.endswith(DATA_SUFFIXES)]
        if bad:
            raise MixError(f"{where}: {bad[0]}: unsupported file type (expected {', '.join(DATA_SUFFIXES)})")
        return [Unit(mix, src.name, i, f, f"path:{f}") for i, f in enumerate(files)]
    if src.kind == "hf":
        return [Unit(mix, src.name, 0, src.hf, f"hf:{src.hf}:{src.hf_config or ''}:{src.hf_split}")]
    g = src.generate
    return [Unit(mix, src.name, 0, "generated", f"generate:{g.style}:n={g.n}:seed={g.seed}")]


def _origin(unit: Unit) -> str:
    """Where a unit came from, for the manifest: pipeline:web, path:<folder>, hf:<id>, generate:…"""
    if unit.detail.startswith("path:"):
        return "path:" + os.path.dirname(os.path.abspath(unit.ref))
    return unit.detail


def _signature(unit: Unit) -> dict:
    if os.path.isfile(unit.ref):
        st = os.stat(unit.ref)
        return {"ref": os.path.abspath(unit.ref), "size": st.st_size, "mtime": int(st.st_mtime)}
    return {"ref": unit.ref, "detail": unit.detail}


def _parquet_records(path: str) -> Iterator[dict]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=1000):
        yield from batch.to_pylist()


def _jsonl_records(path: str) -> Iterator[dict]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                rec = None
            if not isinstance(rec, dict):
                yield {"_bad": "bad_json", "_where": f"{os.path.basename(path)}:{lineno}"}
                continue
            rec.setdefault("_where", f"{os.path.basename(path)}:{lineno}")
            yield rec


def _hf_records(src: MixSource) -> Iterator[dict]:
    try:
        import datasets
    except ImportError:
        raise MixError(f"source {src.name!r}: hf datasets need `pip install datasets`") from None
    try:
        ds = datasets.load_dataset(src.hf, src.hf_config, split=src.hf_split, streaming=True)
    except Exception as e:  # offline, unknown id, no such split, ...
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise MixError(f"source {src.name!r}: cannot load Hugging Face dataset {src.hf!r} "
                       f"(split {src.hf_split!r}; offline?): {first[:200]}") from None
    yield from ds


def iter_records(src: MixSource, unit: Unit) -> Iterator[dict]:
    """Raw records of a unit, as dicts; unreadable ones carry `_bad` (a counted, logged skip)."""
    if src.kind == "generate":
        from train.qa_synth import generate_qa

        g = src.generate
        for ex in generate_qa(g.n, g.seed, g.style):
            yield ex.record()
    elif src.kind == "hf":
        yield from _hf_records(src)
    elif unit.ref.endswith(".parquet"):
        yield from _parquet_records(unit.ref)
    else:
        yield from _jsonl_records(unit.ref)


def format_record(src: MixSource, rec: dict, tok=None) -> tuple[str | None, str | None]:
    """(text, None) or (None, reason): the source's template applied to one record."""
    if rec.get("_bad"):
        return None, rec["_bad"]

    def field(name):
        value = rec.get(name)
        return value if isinstance(value, str) and value.strip() else None

    if src.template == "text":
        text = field(src.text_field)
        return (text, None) if text else (None, f"missing_field:{src.text_field}")
    if src.template == "qa":
        q, a = field(src.question_field), field(src.answer_field)
        if not (q and a):
            return None, f"missing_field:{src.question_field if not q else src.answer_field}"
        return f"Question: {q.strip()}\nAnswer: {a.strip()}", None
    messages = rec.get(src.messages_field)
    if not (isinstance(messages, list) and messages):
        q, a = field(src.question_field), field(src.answer_field)
        if not (q and a):
            return None, f"missing_field:{src.messages_field}"
        messages = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    if tok is not None and getattr(tok, "chat_template", None):
        try:
            return tok.apply_chat_template(messages, tokenize=False), None
        except Exception:  # a template that rejects these roles: fall back to plain turns
            pass
    return "\n\n".join(f"{str(m.get('role', '')).title()}: {m.get('content', '')}" for m in messages), None


def _record_id(unit: Unit, rec: dict, i: int) -> str:
    rid = rec.get("id")
    if rid is not None and str(rid):
        return str(rid)
    return f"{unit.source}:{rec.get('_where') or f'{os.path.basename(unit.ref)}:{i}'}"


def _record_metadata(rec: dict) -> dict:
    md = rec.get("metadata")
    if isinstance(md, str):
        try:
            md = json.loads(md)
        except json.JSONDecodeError:
            md = {}
    md = dict(md) if isinstance(md, dict) else {}
    if rec.get("url") and not md.get("url"):
        md["url"] = rec["url"]
    return md


# ---------------------------------------------------------------------------------- plan


def selected_mixes(pcfg: MixPipelineConfig, mixes: dict[str, MixConfig]) -> dict[str, MixConfig]:
    names = pcfg.mixes if pcfg.mixes is not None else list(mixes)
    unknown = [n for n in names if n not in mixes]
    if unknown:
        raise MixError(f"pipelines.mix.mixes: {', '.join(map(repr, unknown))} not defined under `mixes:`")
    if not names:
        raise MixError("pipelines.mix: no mixes to pack (define some under `mixes:`)")
    return {n: mixes[n] for n in names}


def plan_units(output: str, mixes: dict[str, MixConfig]) -> list[tuple[Unit, MixSource]]:
    return [(u, src) for mix, mcfg in mixes.items() for src in mcfg.sources for u in resolve_units(output, mix, src)]


def resolve_tokenizer(output: str, name: str) -> str:
    """`models/...` lives under the output (so a moved output folder keeps working); else as given."""
    return os.path.join(output, name) if name.startswith(("models/", "mixes/")) else name


def tokenizer_path(output: str, pcfg: MixPipelineConfig) -> str:
    return resolve_tokenizer(output, pcfg.tokenizer.name_or_path)


def _is_path(name: str) -> bool:
    """A folder we may train a tokenizer into, as opposed to an HF id (`name` or `org/name`)."""
    return name.startswith(("models/", "/", ".", "~")) or name.count("/") > 1


def input_signature(ctx: PipelineContext) -> dict:
    """What the runner fingerprints for this pipeline besides pipelines.mix: the mixes and the
    files their sources read (a changed mix or input is a new run, not a silent resume)."""
    cfg = ctx.config
    try:
        mixes = selected_mixes(ctx.pcfg, cfg.mixes)
    except MixError as e:
        return {"error": str(e)}
    body: dict = {"mixes": {n: m.model_dump(mode="json") for n, m in mixes.items()}, "files": []}
    for mix, mcfg in mixes.items():
        for src in mcfg.sources:
            try:
                body["files"] += [_signature(u) for u in resolve_units(ctx.output, mix, src)]
            except MixError as e:
                body["files"].append({"error": str(e)})
    return body


def mix_dir(output: str, mix: str) -> str:
    return os.path.join(output, "mixes", mix)


def unit_paths(output: str, unit: Unit) -> tuple[str, str, str]:
    folder = os.path.join(mix_dir(output, unit.mix), "sources", unit.source)
    stats = os.path.join(output, "stats", "mix", f"{unit.mix}.{unit.source}.{unit.stem}.parquet")
    return os.path.join(folder, unit.stem + ".bin"), os.path.join(folder, unit.stem + ".json"), stats


def unit_fingerprint(unit: Unit, src: MixSource, pcfg: MixPipelineConfig, tok_fp: str, limit: int | None) -> str:
    body = {"v": PACK_VERSION, "source": src.model_dump(mode="json"), "unit": _signature(unit), "seq_len": pcfg.seq_len,
            "tokenizer": tok_fp, "add_bos": pcfg.tokenizer.add_bos, "limit": limit}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def read_unit_index(path: str) -> dict | None:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------------- steps


class _MixStep(PipelineStep):
    """Holds plain data only (the step is pickled to worker processes)."""

    type = "🐙 octo"

    def __init__(self, output: str, pcfg: dict, mixes: dict, limit: int | None = None):
        super().__init__()
        self.output, self.pcfg_raw, self.mixes_raw, self.limit = output, pcfg, mixes, limit

    @property
    def pcfg(self) -> MixPipelineConfig:
        return MixPipelineConfig.model_validate(self.pcfg_raw)

    @property
    def mixes(self) -> dict[str, MixConfig]:
        """The mixes to pack: pipelines.mix.mixes, or all of `mixes:`."""
        return selected_mixes(self.pcfg, {n: MixConfig.model_validate(m) for n, m in self.mixes_raw.items()})

    def load_tokenizer(self):
        from train.tokenizer import TokenizerError, load_tokenizer

        try:
            return load_tokenizer(tokenizer_path(self.output, self.pcfg))
        except TokenizerError as e:
            raise MixError(f"pipelines.mix.tokenizer: {e}") from None


class PrepareMixes(_MixStep):
    """Resolve every source, get the tokenizer (train it if asked), drop stale packed units."""

    name = "prepare mixes"

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        pcfg, mixes = self.pcfg, self.mixes
        plan = plan_units(self.output, mixes)  # raises MixError for any missing source
        self.ensure_tokenizer(pcfg, plan)
        self.drop_stale(plan)
        self.stat_update("units", value=len(plan))

    def ensure_tokenizer(self, pcfg: MixPipelineConfig, plan) -> None:
        from train.tokenizer import save_tokenizer, train_bpe, trained_meta

        tcfg = pcfg.tokenizer
        path = tokenizer_path(self.output, pcfg)
        want = {"vocab_size": tcfg.vocab_size, "min_frequency": tcfg.min_frequency, "train_docs": tcfg.train_docs}
        meta = trained_meta(path) if os.path.isdir(path) else None
        ours_changed = meta is not None and {k: meta.get(k) for k in want} != want
        if (os.path.isdir(path) and not ours_changed) or not (tcfg.train_if_missing and _is_path(tcfg.name_or_path)):
            self.load_tokenizer()  # a clear error now for an unknown id or a broken folder
            return
        sources = {}
        for unit, src in plan:  # each distinct source once, whichever mixes use it
            sources.setdefault(json.dumps(src.model_dump(mode="json"), sort_keys=True), (src, []))[1].append(unit)

        def texts():
            for src, units in sources.values():
                n = 0
                for unit in units:
                    for rec in iter_records(src, unit):
                        text, _ = format_record(src, rec)
                        if text:
                            yield text
                            n += 1
                            if n >= tcfg.train_docs:
                                break
                    if n >= tcfg.train_docs:
                        break

        log.info(f"training a {tcfg.vocab_size}-token byte-level BPE on the mixes' sources -> {path}")
        tok = train_bpe(texts(), tcfg.vocab_size, tcfg.min_frequency)
        save_tokenizer(tok, path, {**want, "sources": sorted(s.name for s, _ in sources.values())})
        self.stat_update("tokenizer_trained")

    def drop_stale(self, plan) -> None:
        keep_files, keep_stats = set(), set()
        for unit, _ in plan:
            b, j, s = unit_paths(self.output, unit)
            keep_files |= {b, j}
            keep_stats.add(s)
        for mix in self.mixes:
            root = os.path.join(mix_dir(self.output, mix), "sources")
            for path in globlib.glob(os.path.join(root, "*", "*")):
                if path not in keep_files:
                    os.remove(path)
            for folder in globlib.glob(os.path.join(root, "*")):
                if os.path.isdir(folder) and not os.listdir(folder):
                    shutil.rmtree(folder)
            for path in globlib.glob(os.path.join(self.output, "stats", "mix", f"{mix}.*.parquet")):
                if path not in keep_stats:
                    os.remove(path)


class PackSources(_MixStep):
    """Rank r packs units r, r + world, ... of the plan; a unit already packed alike is skipped."""

    name = "pack sources"

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        from train.packing import token_dtype
        from train.tokenizer import fingerprint

        pcfg = self.pcfg
        plan = plan_units(self.output, self.mixes)[rank::world_size]
        if not plan:
            return
        tok = self.load_tokenizer()
        tok_fp = fingerprint(tok)
        dtype = token_dtype(len(tok))
        for unit, src in plan:
            fp = unit_fingerprint(unit, src, pcfg, tok_fp, self.limit)
            bin_path, index_path, stats_path = unit_paths(self.output, unit)
            old = read_unit_index(index_path)
            if old and old.get("fingerprint") == fp and os.path.exists(bin_path) and os.path.exists(stats_path):
                self.stat_update("units_resumed")
                continue
            with self.track_time(unit="unit"):
                index = self.pack_unit(unit, src, tok, dtype, bin_path, stats_path)
            index.update(fingerprint=fp, unit=unit.ref, detail=unit.detail)
            tmp = index_path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(index, f, indent=1)
            os.replace(tmp, index_path)  # the index is the unit's commit mark: written last
            self.stat_update("units_packed")

    def pack_unit(self, unit: Unit, src: MixSource, tok, dtype, bin_path: str, stats_path: str) -> dict:
        from datatrove.data import Document

        from curation.docio import AtomicParquet
        from curation.stats import STATS_SCHEMA, stats_row
        from curation.steps.base import mark_dropped
        from train.packing import SequencePacker

        pcfg = self.pcfg
        eos, bos = tok.eos_token_id, tok.bos_token_id if pcfg.tokenizer.add_bos else None
        backend = getattr(tok, "backend_tokenizer", None)
        cap = min(x for x in (src.max_docs, self.limit, float("inf")) if x is not None)
        packer = SequencePacker(bin_path, pcfg.seq_len, dtype)
        stats = AtomicParquet(stats_path, STATS_SCHEMA)
        docs = dropped = 0
        batch: list[tuple[str, str, dict]] = []

        def flush():
            nonlocal docs
            texts = [t for _, t, _ in batch]
            if backend is not None:
                encoded = [e.ids for e in backend.encode_batch(texts, add_special_tokens=False)]
            else:
                encoded = tok(texts, add_special_tokens=False)["input_ids"]
            for (doc_id, text, md), ids in zip(batch, encoded):
                ids = list(ids)
                if bos is not None:
                    ids.insert(0, bos)
                if not ids or ids[-1] != eos:
                    ids.append(eos)
                packer.add(ids)
                md.update(mix=unit.mix, source=src.name, tokens=len(ids))
                stats.add(stats_row(Document(text=text, id=doc_id, metadata=md), "mix"))
                docs += 1
            batch.clear()

        try:
            for i, rec in enumerate(iter_records(src, unit)):
                if i >= cap:
                    break
                doc_id = _record_id(unit, rec, i)
                md = _record_metadata(rec)
                text, reason = format_record(src, rec, tok)
                if text is None:
                    md.update(mix=unit.mix, source=src.name, tokens=0)
                    doc = Document(text="", id=doc_id, metadata=md)
                    mark_dropped(doc, "format", reason, 0)
                    stats.add(stats_row(doc, "mix"))
                    dropped += 1
                    self.stat_update("dropped", f"dropped:{reason.split(':')[0]}")
                    log.warning(f"mix {unit.mix}, source {src.name}: skipped {doc_id} ({reason})")
                    continue
                batch.append((doc_id, text, md))
                if len(batch) >= READ_BATCH:
                    flush()
            if batch:
                flush()
        except BaseException:
            packer.abort()
            raise
        index = packer.close()
        stats.close()
        self.stat_update("documents", value=docs)
        self.stat_update("tokens", value=index["tokens"])
        return {**index, "docs": docs, "dropped": dropped, "seq_len": pcfg.seq_len, "dtype": dtype.name}


class BlendMixes(_MixStep):
    """Per mix: the greedy blend of its sources' rows and the manifest training reads."""

    name = "blend mixes"

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        from train.packing import MANIFEST, plan_total, write_blend
        from train.tokenizer import fingerprint

        pcfg, mixes = self.pcfg, self.mixes
        tok = self.load_tokenizer()
        tok_fp = fingerprint(tok)
        plan = plan_units(self.output, mixes)
        for mix, mcfg in mixes.items():
            sources, sizes = [], []
            for src in mcfg.sources:
                units = [u for u, s in plan if u.mix == mix and s.name == src.name]
                entries = []
                for u in units:
                    entry = read_unit_index(unit_paths(self.output, u)[1])
                    if entry is None or entry.get("fingerprint") != unit_fingerprint(u, src, pcfg, tok_fp, self.limit):
                        raise MixError(f"mix {mix!r}, source {src.name!r}: unit {u.ref} is not packed; rerun to resume")
                    entries.append(entry)
                size = sum(e["sequences"] for e in entries)
                if size == 0:
                    toks = sum(e["tokens_in"] for e in entries)
                    raise MixError(f"mix {mix!r}, source {src.name!r}: {toks} tokens make no full {pcfg.seq_len}-token "
                                   f"sequence; add data or lower pipelines.mix.seq_len")
                sizes.append(size)
                sources.append({
                    "name": src.name, "weight": src.weight, "kind": src.kind, "template": src.template,
                    "resolved": sorted({_origin(u) for u in units}),
                    "units": entries, "sequences": size, "tokens": size * pcfg.seq_len,
                    "docs": sum(e["docs"] for e in entries), "dropped": sum(e["dropped"] for e in entries),
                })
            weights = [s.weight for s in mcfg.sources]
            total = plan_total(weights, sizes, mcfg.tokens, pcfg.seq_len)
            build = hashlib.sha256(json.dumps([mcfg.model_dump(mode="json"), [s["units"] for s in sources], total],
                                              sort_keys=True).encode()).hexdigest()[:16]
            folder = mix_dir(self.output, mix)
            old = read_unit_index(os.path.join(folder, MANIFEST))
            if old and old.get("build") == build:
                self.stat_update("mixes_resumed")
                continue
            manifest = {
                "mix": mix, "phase": mcfg.phase, "seq_len": pcfg.seq_len, "dtype": sources[0]["units"][0]["dtype"],
                "vocab_size": len(tok), "eos_id": tok.eos_token_id, "tokenizer": pcfg.tokenizer.name_or_path,  # resolve_tokenizer() reads it
                "tokenizer_fingerprint": tok_fp, "sources": sources, "build": build,
            }
            with self.track_time(unit="mix"):
                manifest = write_blend(folder, manifest, weights, sizes, total, mcfg.seed, mcfg.shuffle)
            shares = ", ".join(f"{s['name']} {s['share']:.3f}/{s['target_share']:.3f} (x{s['epochs']:.2f})" for s in manifest["sources"])
            log.info(f"mix {mix}: {total} sequences, {manifest['tokens']} tokens; shares got/want (epochs): {shares}")
            self.stat_update("mixes_blended")


def build(ctx: PipelineContext) -> list[Stage]:
    # Mix selection and sources are checked by the first stage, which fails with one line.
    pcfg: MixPipelineConfig = ctx.pcfg
    args = (ctx.output, pcfg.model_dump(mode="json"), {n: m.model_dump(mode="json") for n, m in ctx.config.mixes.items()}, ctx.limit)
    return [
        Stage("prepare", [PrepareMixes(*args)], tasks=1),
        Stage("pack", [PackSources(*args)], tasks=ctx.tasks, workers=ctx.workers),
        Stage("blend", [BlendMixes(*args)], tasks=1),
    ]
