"""Packed token shards, the Megatron-style blend of sources, and the reader training uses.

On disk, `mixes/<mix>/`:
  sources/<source>/<unit>.bin   fixed-length sequences, row after row (uint16, or uint32 for vocabularies
                                over 65,535 ids); one file per input unit (an input file, a dataset)
  sources/<source>/<unit>.json  that unit's index: sequences, tokens, checksum, fingerprint (written last)
  blend_source.npy              int16: the source of the i-th training sequence
  blend_sample.npy              int64: which of that source's sequences it is
  manifest.json                 sources, weights, units, token counts, achieved shares (written last)

Documents are tokenised, each followed by EOS, and concatenated; the stream is cut into rows of
`seq_len` tokens (a document may span rows, the tail of a unit shorter than a row is dropped).
The blend is Megatron's greedy interleave: the i-th sequence comes from the source whose share so
far lags its weight the most, so every prefix of the mix — and the whole — matches the weights to
within a sequence per source. A source used beyond its size repeats, reshuffled each epoch.
"""
from __future__ import annotations

import hashlib
import json
import os
from array import array

import numpy as np

MANIFEST = "manifest.json"
FORMAT = "octo-packed-mix/1"
FLUSH_TOKENS = 1 << 20


class PackedDataError(Exception):
    """A missing, corrupt or inconsistent packed mix: one line, raised before any training step."""


def token_dtype(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab_size <= 65536 else np.dtype(np.uint32)


def file_checksum(path: str, chunk: int = 1 << 24) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class SequencePacker:
    """Appends documents' token ids and writes whole `seq_len` rows to `path` (via `path.tmp`)."""

    def __init__(self, path: str, seq_len: int, dtype: np.dtype):
        self.path, self.seq_len, self.dtype = path, seq_len, np.dtype(dtype)
        self.tmp = path + ".tmp"
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.file = open(self.tmp, "wb")
        self.hash = hashlib.blake2b(digest_size=16)
        self.pending: list[np.ndarray] = []
        self.pending_tokens = 0
        self.sequences = 0
        self.tokens_in = 0
        self.max_id = -1

    def add(self, ids) -> None:
        arr = np.asarray(ids, dtype=np.int64)
        if arr.size == 0:
            return
        top = int(arr.max())
        if top > np.iinfo(self.dtype).max or int(arr.min()) < 0:
            raise ValueError(f"token id {top} does not fit {self.dtype.name}")
        self.max_id = max(self.max_id, top)
        self.pending.append(arr.astype(self.dtype))
        self.pending_tokens += arr.size
        self.tokens_in += arr.size
        if self.pending_tokens >= FLUSH_TOKENS:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        stream = np.concatenate(self.pending)
        rows = stream.size // self.seq_len
        whole = stream[: rows * self.seq_len]
        if rows:
            data = whole.tobytes()
            self.file.write(data)
            self.hash.update(data)
            self.sequences += rows
        rest = stream[rows * self.seq_len:]
        self.pending = [rest] if rest.size else []
        self.pending_tokens = rest.size

    def close(self) -> dict:
        """Finish the file (rename into place) and return its index entry."""
        self._flush()
        self.file.close()
        os.replace(self.tmp, self.path)
        return {
            "file": os.path.basename(self.path),
            "sequences": self.sequences,
            "tokens": self.sequences * self.seq_len,
            "tokens_in": self.tokens_in,
            "tail_dropped": self.pending_tokens,
            "max_id": self.max_id,
            "blake2b": self.hash.hexdigest(),
        }

    def abort(self) -> None:
        self.file.close()
        if os.path.exists(self.tmp):
            os.remove(self.tmp)


def megatron_blend(weights: list[float], total: int) -> np.ndarray:
    """Source of each of `total` sequences: at step i pick argmax_d w_d·(i+1) − count_d.

    Megatron-LM's `build_blending_indices` rule (ties go to the lower index). Plain Python: about a
    second per million sequences, once per mix.
    """
    w = [float(x) for x in weights]
    s = sum(w)
    if not w or s <= 0 or min(w) <= 0:
        raise ValueError("weights must be positive")
    w = [x / s for x in w]
    counts = [0] * len(w)
    out = array("h", bytes(2 * total))
    nd = len(w)
    for i in range(total):
        t = i + 1
        best, err = 0, w[0] * t - counts[0]
        for d in range(1, nd):
            e = w[d] * t - counts[d]
            if e > err:
                best, err = d, e
        out[i] = best
        counts[best] += 1
    return np.frombuffer(out, dtype=np.int16).copy()


def blend_samples(source_of: np.ndarray, sizes: list[int], seed: int, shuffle: bool) -> np.ndarray:
    """Which sequence of its source each blended sequence is: in order, or a fresh permutation of
    the source per epoch when `shuffle` (a source used past its size repeats, reshuffled)."""
    samples = np.empty(source_of.shape[0], dtype=np.int64)
    for d, size in enumerate(sizes):
        where = np.nonzero(source_of == d)[0]
        if where.size == 0:
            continue
        if size <= 0:
            raise ValueError(f"source {d} has no sequences")
        k = np.arange(where.size, dtype=np.int64)
        if not shuffle:
            samples[where] = k % size
            continue
        picks = np.empty(where.size, dtype=np.int64)
        for epoch in range(int(-(-where.size // size))):
            lo, hi = epoch * size, min((epoch + 1) * size, where.size)
            perm = np.random.default_rng([seed, d, epoch]).permutation(size)
            picks[lo:hi] = perm[: hi - lo]
        samples[where] = picks
    return samples


def plan_total(weights: list[float], sizes: list[int], tokens: int | None, seq_len: int) -> int:
    """Sequences in the mix: `tokens` worth, or the most in which no source repeats."""
    if tokens is not None:
        return max(1, tokens // seq_len)
    s = sum(weights)
    return max(1, int(min(size / (w / s) for w, size in zip(weights, sizes))))


def write_blend(mix_dir: str, manifest: dict, weights: list[float], sizes: list[int], total: int,
                seed: int, shuffle: bool) -> dict:
    """Blend index + manifest (last, atomically). `manifest["sources"]` lists the sources in
    weight order with their `units`; this adds counts, epochs and achieved shares."""
    source_of = megatron_blend(weights, total)
    samples = blend_samples(source_of, sizes, seed, shuffle)
    for name, arr in (("blend_source.npy", source_of), ("blend_sample.npy", samples)):
        tmp = os.path.join(mix_dir, name + ".tmp")
        with open(tmp, "wb") as f:
            np.save(f, arr)
        os.replace(tmp, os.path.join(mix_dir, name))
    used = np.bincount(source_of, minlength=len(sizes))
    wsum = sum(weights)
    for d, src in enumerate(manifest["sources"]):
        src["used_sequences"] = int(used[d])
        src["used_tokens"] = int(used[d]) * manifest["seq_len"]
        src["share"] = round(float(used[d]) / total, 6)
        src["target_share"] = round(weights[d] / wsum, 6)
        src["epochs"] = round(float(used[d]) / sizes[d], 4) if sizes[d] else 0.0
    manifest.update(format=FORMAT, sequences=int(total), tokens=int(total) * manifest["seq_len"],
                    blend={"source": "blend_source.npy", "sample": "blend_sample.npy", "seed": seed, "shuffle": shuffle})
    body = json.dumps({k: v for k, v in manifest.items() if k != "fingerprint"}, sort_keys=True)
    manifest["fingerprint"] = hashlib.sha256(body.encode()).hexdigest()[:16]
    tmp = os.path.join(mix_dir, MANIFEST + ".tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(tmp, os.path.join(mix_dir, MANIFEST))
    return manifest


class PackedMix:
    """A packed mix opened for training: `rows(start, n)` gives n sequences of the blend in order.

    Opening checks everything a corrupt or partial mix could get wrong — manifest, unit file
    sizes, checksums (`verify="checksum"`), the blend index's range — and raises PackedDataError.
    """

    def __init__(self, mix_dir: str, verify: str = "checksum"):
        self.dir = mix_dir
        path = os.path.join(mix_dir, MANIFEST)
        if not os.path.exists(path):
            raise PackedDataError(f"{mix_dir}: no packed mix here (no {MANIFEST}); pack it with `octo-curate run pipelines.yaml --only mix`")
        try:
            with open(path) as f:
                m = json.load(f)
            self.seq_len = int(m["seq_len"])
            self.dtype = np.dtype(m["dtype"])
            self.sources = m["sources"]
            self.length = int(m["sequences"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise PackedDataError(f"{path}: unreadable manifest ({type(e).__name__}: {e})") from None
        if m.get("format") != FORMAT:
            raise PackedDataError(f"{path}: format {m.get('format')!r}, expected {FORMAT!r}; repack the mix")
        self.manifest = m
        self.units: list[list[np.memmap]] = []
        self.bounds: list[np.ndarray] = []
        for src in self.sources:
            maps, ends = [], []
            for unit in src["units"]:
                maps.append(self._open_unit(src["name"], unit, verify))
                ends.append((ends[-1] if ends else 0) + unit["sequences"])
            self.units.append(maps)
            self.bounds.append(np.asarray(ends, dtype=np.int64))
        self.source_of = self._load_index(m["blend"]["source"])
        self.sample_of = self._load_index(m["blend"]["sample"])
        if self.source_of.shape[0] != self.length or self.sample_of.shape[0] != self.length:
            raise PackedDataError(f"{mix_dir}: blend index holds {self.source_of.shape[0]} entries, manifest says {self.length}")
        for d, src in enumerate(self.sources):
            size = int(self.bounds[d][-1]) if len(self.bounds[d]) else 0
            mask = self.source_of == d
            if mask.any() and (size == 0 or int(self.sample_of[mask].max()) >= size):
                raise PackedDataError(f"{mix_dir}: blend index points past source {src['name']!r} ({size} sequences)")
        if self.length and (int(self.source_of.min()) < 0 or int(self.source_of.max()) >= len(self.sources)):
            raise PackedDataError(f"{mix_dir}: blend index names an unknown source")

    def _open_unit(self, source: str, unit: dict, verify: str) -> np.memmap:
        path = os.path.join(self.dir, "sources", source, unit["file"])
        want = unit["sequences"] * self.seq_len * self.dtype.itemsize
        if not os.path.exists(path):
            raise PackedDataError(f"{path}: packed shard missing")
        have = os.path.getsize(path)
        if have != want:
            raise PackedDataError(f"{path}: corrupt packed shard ({have} bytes, index says {want})")
        if verify == "checksum" and file_checksum(path) != unit["blake2b"]:
            raise PackedDataError(f"{path}: corrupt packed shard (checksum mismatch)")
        if unit["sequences"] == 0:
            return np.zeros((0, self.seq_len), dtype=self.dtype)
        return np.memmap(path, dtype=self.dtype, mode="r", shape=(unit["sequences"], self.seq_len))

    def _load_index(self, name: str) -> np.ndarray:
        path = os.path.join(self.dir, name)
        try:
            return np.load(path, mmap_mode="r")
        except (OSError, ValueError) as e:
            raise PackedDataError(f"{path}: unreadable blend index ({type(e).__name__})") from None

    def __len__(self) -> int:
        return self.length

    @property
    def max_token_id(self) -> int:
        return max((u["max_id"] for s in self.sources for u in s["units"]), default=-1)

    def sequence(self, i: int) -> np.ndarray:
        d = int(self.source_of[i])
        k = int(self.sample_of[i])
        u = int(np.searchsorted(self.bounds[d], k, side="right"))
        start = int(self.bounds[d][u - 1]) if u else 0
        return self.units[d][u][k - start]

    def rows(self, start: int, count: int) -> np.ndarray:
        """Sequences start .. start+count-1 of the mix (wrapping past the end), as int64."""
        out = np.empty((count, self.seq_len), dtype=np.int64)
        for j in range(count):
            out[j] = self.sequence((start + j) % self.length)
        return out
