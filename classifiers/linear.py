"""Exact fastText softmax prediction from a table of per-row label logits.

A supervised fastText model is linear up to its softmax: the logits of a line are
`W_out @ mean(E[rows])`, where `rows` are the line's word ids and hashed word-n-gram buckets.
So `mean(E[rows]) @ W_out.T == mean((E @ W_out.T)[rows])`: multiplying the input matrix by the
output matrix once, at load, turns every row of 256 floats into a row of `n_labels` logits
(2 for math/other). Scoring a page then reads ~1,200 rows of 8 bytes from a table that stays in
cache instead of ~1,200 rows of 1 KB scattered over a 2 GB matrix — the memory traffic that makes
fastText's own `predict` cost ~280 µs a page at the DeepSeekMath settings.

This module reproduces fastText's tokenisation and hashing byte for byte (whitespace split, the
`</s>` token `predict` appends, 32-bit FNV-1a over *signed* chars, n-gram hashes combined in
64-bit arithmetic from sign-extended 32-bit word hashes, `nwords + h % bucket`), so its
probabilities equal fastText's (`softmax + 1e-5`, as fastText returns `exp(log(p + 1e-5))`) to
float rounding; `tests/classifiers/test_linear.py` checks that on real models.

Two implementations of the lookup: `_fastscore.c` (normalisation, tokens, hashing and sums in one
C pass per page; built on first use by `native.py`) and the numpy one below, used when no C
compiler is at hand. Both give the same numbers.

Models it cannot reproduce exactly — quantized or pruned ones, losses other than softmax,
character n-grams (`maxn > 0`) — get `None` from `LinearTable.from_model`, and the caller keeps
fastText's own `predict`.
"""
from __future__ import annotations

import ctypes

import numpy as np

from classifiers import native
from classifiers.normalise import normalise_bytes, prepare

EOS = b"</s>"
LABEL_PREFIX = b"__label__"
_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619
_NGRAM_MUL = np.uint64(116049371)
_MASK32 = np.uint64(0xFFFFFFFF)
# Words seen that are not in the vocabulary keep their hash here; a web crawl has an unbounded
# supply of them, so the cache is emptied when it reaches this size.
_OOV_CACHE_MAX = 500_000


def fnv1a(token: bytes) -> int:
    """fastText's word hash: 32-bit FNV-1a where each byte is first sign-extended from int8."""
    h = _FNV_OFFSET
    for b in token:
        h = ((h ^ (b | 0xFFFFFF00 if b >= 0x80 else b)) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def fnv1a_many(tokens: list[bytes]) -> np.ndarray:
    """fnv1a of many tokens at once (uint64 array), a byte position at a time across all tokens."""
    n = len(tokens)
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    if n == 0:
        return h
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=n)
    order = np.argsort(-lengths, kind="stable")  # longest first: position p touches a prefix
    width = int(lengths.max())
    buf = np.zeros((n, width), dtype=np.uint8)
    flat = np.frombuffer(b"".join(tokens), dtype=np.uint8)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(flat.size) - np.repeat(starts, lengths)
    buf[rows, cols] = flat
    buf, sorted_lengths = buf[order], lengths[order]
    hs = h[order]
    for p in range(width):
        live = int(np.searchsorted(-sorted_lengths, -p, side="left"))  # tokens longer than p
        byte = buf[:live, p].astype(np.uint64)
        byte = np.where(byte >= 0x80, byte | np.uint64(0xFFFFFF00), byte)
        hs[:live] = ((hs[:live] ^ byte) * np.uint64(_FNV_PRIME)) & _MASK32
    h[order] = hs
    return h


def _sign_extend(h32: np.ndarray) -> np.ndarray:
    """fastText keeps word hashes as int32 and widens them to uint64 for n-grams: sign extension."""
    return h32.astype(np.uint32).view(np.int32).astype(np.int64).view(np.uint64)


class LinearTable:
    """Label logits per input row, and the vocabulary/hashing needed to find a line's rows.

    A two-label model keeps one column, the difference of its two logits (a softmax over two
    labels depends on nothing else), so the table is 4 bytes a row: 8 MB at 2M buckets.
    """

    def __init__(self, table: np.ndarray, words: list[str], labels: list[str], word_ngrams: int, bucket: int):
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        self.labels = labels
        self.word_ngrams = word_ngrams
        self.bucket = max(bucket, 1)  # unused when word_ngrams == 1
        self.nwords = len(words)
        self._keys = [w.encode("utf-8", "surrogateescape") for w in words]
        self._lib = native.load()
        if self._lib is not None:
            self._build_native_vocab()
        else:
            self._build_numpy_vocab()

    def _build_native_vocab(self) -> None:
        self._words = np.frombuffer(b"".join(self._keys) or b"\0", dtype=np.uint8)
        self._offsets = np.zeros(self.nwords + 1, dtype=np.int64)
        np.cumsum([len(k) for k in self._keys], out=self._offsets[1:])
        self._hashes32 = np.zeros(max(self.nwords, 1), dtype=np.uint32)
        self._slots_size = 1 << max(4, (2 * self.nwords).bit_length())
        self._slot_table = np.empty(self._slots_size, dtype=np.int32)
        self._lib.octo_vocab_build(_ptr(self._words), _ptr(self._offsets), self.nwords,
                                   _ptr(self._hashes32), _ptr(self._slot_table), self._slots_size)

    def _build_numpy_vocab(self) -> None:
        # Token -> slot; slots < nwords are vocabulary words (slot == word id), later slots are
        # out-of-vocabulary words seen so far (word id -1, hash still used by n-grams).
        self._slot = {k: i for i, k in enumerate(self._keys)}
        self._word_id = np.arange(self.nwords, dtype=np.int64)
        self._hash = _sign_extend(fnv1a_many(self._keys))
        self._oov_hashes: list[int] = []

    @classmethod
    def from_model(cls, model) -> "LinearTable | None":
        """The table of a loaded `fasttext` model, or None when its predictions are not linear."""
        f = model.f
        if f.isQuant():
            return None
        args = f.getArgs()
        if args.loss.name != "softmax" or args.maxn > 0:
            return None
        words = model.get_words(on_unicode_error="surrogateescape")  # exact bytes back
        matrix = np.asarray(f.getInputMatrix())  # a view, no copy of a 2 GB matrix
        if matrix.shape[0] != len(words) + args.bucket:
            return None  # not the layout of fastText's hashing (words, then n-gram buckets)
        out = np.asarray(f.getOutputMatrix(), dtype=np.float64)
        if out.shape[0] == 2:  # binary: one column, logit 0 - logit 1, holds all the softmax needs
            out = out[:1] - out[1:]
        table = np.empty((matrix.shape[0], out.shape[0]), dtype=np.float32)
        step = 1 << 16  # in chunks: a float64 copy of the whole input matrix would be 4 GB
        for s in range(0, matrix.shape[0], step):
            table[s:s + step] = matrix[s:s + step].astype(np.float64) @ out.T
        return cls(table, words, list(model.get_labels()), args.wordNgrams, args.bucket)

    def _slots(self, tokens: list[bytes]) -> list[int]:
        slots = list(map(self._slot.get, tokens))
        if None in slots:
            for i, s in enumerate(slots):
                if s is None:
                    slots[i] = self._add_oov(tokens[i])
        return slots

    def _add_oov(self, token: bytes) -> int:
        if len(self._oov_hashes) >= _OOV_CACHE_MAX:
            self._forget_oov()
        slot = self.nwords + len(self._oov_hashes)
        self._slot[token] = slot
        self._oov_hashes.append(fnv1a(token))
        return slot

    def _forget_oov(self) -> None:
        for key in [k for k, s in self._slot.items() if s >= self.nwords]:
            del self._slot[key]
        self._oov_hashes = []
        self._word_id = self._word_id[: self.nwords]
        self._hash = self._hash[: self.nwords]

    def _sync_oov(self) -> None:
        """Append the hashes of OOV words added since the last batch to the slot arrays."""
        have = self._word_id.size - self.nwords
        new = self._oov_hashes[have:]
        if new:
            self._word_id = np.concatenate((self._word_id, np.full(len(new), -1, dtype=np.int64)))
            self._hash = np.concatenate((self._hash, _sign_extend(np.array(new, dtype=np.uint64))))

    def logits_texts(self, texts: list[str], max_chars: int, max_line_chars: int) -> np.ndarray:
        """Mean row logits of each text after `normalise(text, max_chars, max_line_chars)`."""
        prepared = [prepare(t, max_chars, max_line_chars) for t in texts]
        if self._lib is None:
            return self.logits([normalise_bytes(raw, ascii) for raw, ascii in prepared])
        n = len(texts)
        text = np.frombuffer(b"".join(raw for raw, _ in prepared) or b"\0", dtype=np.uint8)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(raw) for raw, _ in prepared], out=offsets[1:])
        ascii = np.fromiter((a for _, a in prepared), dtype=np.uint8, count=n)
        sums = np.zeros((n, self.table.shape[1]), dtype=np.float64)
        counts = np.zeros(n, dtype=np.int64)
        rc = self._lib.octo_score(_ptr(text), _ptr(offsets), _ptr(ascii), n, _ptr(self._words), _ptr(self._offsets),
                                  _ptr(self._hashes32), _ptr(self._slot_table), self._slots_size, self.nwords,
                                  _ptr(self.table), self.table.shape[1], self.word_ngrams, self.bucket,
                                  _ptr(sums), _ptr(counts))
        if rc != 0:
            raise MemoryError("math classifier: C scoring could not allocate its buffers")
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums / counts[:, None]

    def probabilities_texts(self, texts: list[str], max_chars: int, max_line_chars: int) -> np.ndarray:
        """fastText's probabilities of `normalise(text)` for each text (see `probabilities`)."""
        return _softmax(self.logits_texts(texts, max_chars, max_line_chars))

    def logits(self, lines: list[bytes]) -> np.ndarray:
        """Mean row logits of each normalised line (n x n_labels), numpy path; NaN for a line
        with no rows."""
        if not hasattr(self, "_slot"):
            self._build_numpy_vocab()
        slot_lists, lengths = [], []
        for line in lines:
            if b"\0" in line:  # a separator to fastText, not to bytes.split
                line = line.replace(b"\0", b" ")
            tokens = line.split()
            if LABEL_PREFIX in line:  # fastText drops label-looking tokens from the features
                tokens = [t for t in tokens if not t.startswith(LABEL_PREFIX)]
            tokens.append(EOS)  # Python's predict appends "\n", which fastText reads as </s>
            slots = self._slots(tokens)
            slot_lists.append(slots)
            lengths.append(len(slots))
        self._sync_oov()
        n = len(lines)
        lengths_arr = np.array(lengths, dtype=np.int64)
        flat = np.fromiter((s for slots in slot_lists for s in slots), dtype=np.int64, count=int(lengths_arr.sum()))
        doc = np.repeat(np.arange(n), lengths_arr)
        word_id = self._word_id[flat]
        known = word_id >= 0
        rows, docs = [word_id[known]], [doc[known]]
        if self.word_ngrams > 1:
            # position of each token inside its line, and how many tokens follow it there
            starts = np.cumsum(lengths_arr) - lengths_arr
            left = np.repeat(starts + lengths_arr, lengths_arr) - np.arange(flat.size) - 1
            hashes = self._hash[flat]
            combined = hashes
            for k in range(1, self.word_ngrams):  # n-grams of k+1 words starting at each token
                combined = combined[:-1] * _NGRAM_MUL + hashes[k:]
                valid = left[: combined.size] >= k
                rows.append(self.nwords + (combined[valid] % np.uint64(self.bucket)).astype(np.int64))
                docs.append(doc[: combined.size][valid])
        rows_all, docs_all = np.concatenate(rows), np.concatenate(docs)
        counts = np.bincount(docs_all, minlength=n).astype(np.float64)
        picked = self.table[rows_all].astype(np.float64)
        sums = np.stack([np.bincount(docs_all, weights=picked[:, c], minlength=n) for c in range(picked.shape[1])], 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums / counts[:, None]

    def probabilities(self, lines: list[bytes]) -> np.ndarray:
        """fastText's probabilities (softmax + 1e-5), columns in `self.labels` order; a line with
        no rows gets zeros (fastText returns no prediction for it)."""
        return _softmax(self.logits(lines))


def _softmax(z: np.ndarray) -> np.ndarray:
    """Rows of logits to fastText's probabilities: softmax + 1e-5 (it returns exp(log(p + 1e-5)));
    NaN rows (no features) to zeros. One column is a binary model's logit difference."""
    if z.shape[1] == 1:
        z = np.concatenate((z, np.zeros_like(z)), 1)
    z = z.copy()
    empty = np.isnan(z[:, 0]) if z.size else np.zeros(len(z), dtype=bool)
    z[empty] = 0.0
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    p += 1e-5
    p[empty] = 0.0
    return p


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data_as(ctypes.c_void_p)
