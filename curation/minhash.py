"""Text normalisation, word n-gram hashing and MinHash signatures, vectorised with numpy.

Why not a Python loop per n-gram (datasketch, datatrove): the cost of near-dedup is hashing every
word n-gram of every document and applying every permutation to it. Here a batch of documents
becomes one byte array; words are hashed together (simple tabulation hashing over bytes), n-gram
hashes are linear combinations of word hashes, and the permutations run as one (permutations ×
n-grams) array operation per block, reduced to per-document minima with `np.minimum.reduceat`.

The permutation schemes are datasketch's, bit for bit, so datasketch is the reference:
- `affine` (datasketch >= 2 "affine64"/"affine32"): h -> a*fmix(h) + b mod 2^w, odd a.
- `mersenne` (datasketch "legacy", datatrove): h -> (a*h + b) mod (2^61 - 1), masked to 32 bits
  when hash_bits is 32. The modulo is a shift-and-add fold, not a division.
Feeding our n-gram hashes to `datasketch.MinHash(num_perm, seed, scheme=..., hashfunc=identity)`
gives exactly our signatures (tests/curation/test_minhash.py).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from curation.dedup.config import TextNormalise

MERSENNE = np.uint64((1 << 61) - 1)
_U64 = np.uint64
# MurmurHash3 fmix64 / fmix32 constants (the finalizer datasketch's affine schemes apply).
_FMIX64 = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53))
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
# Rows of the tabulation table: byte i of a word is looked up in row i mod 64.
_TAB_POSITIONS = 64
# Permutation block: (permutations × BLOCK) values stay in cache.
_BLOCK = 8192
_NON_WORD = re.compile(r"[^\w\s]+")
_DIGIT = re.compile(r"\d")
_ASCII_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)


# --------------------------------------------------------------------------- hashing primitives


def fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer (a bijection that spreads every input bit), on a copy."""
    s, m1, m2 = _FMIX64
    x = x ^ (x >> s)
    x *= m1
    x ^= x >> s
    x *= m2
    x ^= x >> s
    return x


def fmix32(x: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2 = _FMIX32
    x = x ^ (x >> s1)
    x *= m1
    x ^= x >> s2
    x *= m2
    x ^= x >> s1
    return x


def _random_u64(seed: int, stream: int, n: int) -> np.ndarray:
    """Reproducible uint64s: RandomState's stream is frozen across numpy versions."""
    raw = np.random.RandomState([seed & 0xFFFFFFFF, stream]).bytes(8 * n)
    return np.frombuffer(raw, dtype="<u8").astype(np.uint64)


def datasketch_permutations(num_perm: int, seed: int, scheme: str, hash_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) that `datasketch.MinHash(num_perm, seed, scheme=...)` draws, in the same order."""
    gen = np.random.RandomState(seed)
    if scheme == "mersenne":  # datasketch "legacy": one (a, b) pair per permutation
        pairs = [(gen.randint(1, MERSENNE, dtype=np.uint64), gen.randint(0, MERSENNE, dtype=np.uint64)) for _ in range(num_perm)]
        ab = np.array(pairs, dtype=np.uint64).T
        return ab[0].copy(), ab[1].copy()
    dtype = np.uint64 if hash_bits == 64 else np.uint32
    a = gen.randint(0, 1 << (hash_bits - 1), num_perm, dtype=dtype) * dtype(2) + dtype(1)
    b = gen.randint(0, 1 << hash_bits, num_perm, dtype=dtype)
    return a, b


def candidate_probability(s: float | np.ndarray, bands: int, rows: int):
    """Probability that a pair with Jaccard s shares at least one LSH band: 1-(1-s^r)^b."""
    return 1.0 - (1.0 - np.asarray(s, dtype=float) ** rows) ** bands


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Fraction of equal signature values (row-wise for 2-D arrays)."""
    return np.mean(np.asarray(sig_a) == np.asarray(sig_b), axis=-1)


# --------------------------------------------------------------------------- normalisation


def _byte_table(cfg: TextNormalise) -> np.ndarray:
    """ASCII byte -> normalised byte; 0x20 separates words. Bytes >= 0x80 pass through."""
    lut = np.arange(256, dtype=np.uint8)
    for c in range(128):
        ch = chr(c)
        if ch.isspace() or c < 32 or c == 127:
            lut[c] = 32
        elif cfg.punctuation == "space" and not ch.isalnum():
            lut[c] = 32
        elif cfg.lowercase and "A" <= ch <= "Z":
            lut[c] = c + 32
        elif cfg.digits == "zero" and ch.isdigit():
            lut[c] = ord("0")
    return lut


class Normaliser:
    """Turns documents into one normalised byte array (words separated by 0x20) plus offsets.

    ASCII bytes go through a 256-entry table (lowercase, punctuation -> space) in one numpy pass.
    Only the runs of non-ASCII bytes, rare in most web text, get str-level work (NFKC, Unicode
    lowercase, Unicode punctuation), and the batch is re-spliced around them.
    """

    def __init__(self, cfg: TextNormalise | None = None):
        self.cfg = cfg or TextNormalise()
        self.lut = _byte_table(self.cfg)

    def _fix_run(self, run: str) -> str:
        if self.cfg.unicode == "nfkc":
            run = unicodedata.normalize("NFKC", run)
        if self.cfg.lowercase:
            run = run.lower()
        if self.cfg.punctuation == "space":
            run = _NON_WORD.sub(" ", run)
        if self.cfg.digits == "zero":
            run = _DIGIT.sub("0", run)
        return run

    def _splice_non_ascii(self, raw: bytes, offsets: np.ndarray) -> tuple[bytes, np.ndarray]:
        arr = np.frombuffer(raw, dtype=np.uint8)
        high = np.flatnonzero(arr >= 0x80)
        if len(high) == 0:
            return raw, offsets
        breaks = np.flatnonzero(np.diff(high) != 1)
        run_starts = np.concatenate((high[:1], high[breaks + 1]))
        run_ends = np.concatenate((high[breaks], high[-1:])) + 1
        # Take the ASCII letter before a run along, so a combining mark composes with it (e + ́ -> é).
        before = np.maximum(run_starts - 1, 0)
        letter = (run_starts > 0) & np.isin(arr[before], _ASCII_ALNUM)
        run_starts = np.where(letter, before, run_starts)
        pieces, deltas, prev = [], np.empty(len(run_starts), dtype=np.int64), 0
        for i, (s, e) in enumerate(zip(run_starts.tolist(), run_ends.tolist())):
            fixed = self._fix_run(raw[s:e].decode("utf-8", "replace")).encode("utf-8", "replace")
            pieces += [raw[prev:s], fixed]
            deltas[i] = len(fixed) - (e - s)
            prev = e
        pieces.append(raw[prev:])
        shift = np.concatenate(([0], np.cumsum(deltas)))
        return b"".join(pieces), offsets + shift[np.searchsorted(run_starts, offsets, "left")]

    def batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(bytes, offsets): document d is bytes[offsets[d]:offsets[d+1]], documents joined by 0x20."""
        parts = [(t or "").encode("utf-8", "replace") for t in texts]
        lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        raw, offsets = self._splice_non_ascii(b" ".join(parts) + b" ", offsets)
        return self.lut[np.frombuffer(raw, dtype=np.uint8)], offsets

    def text(self, text: str) -> str:
        """The normalised text as a string of single-space separated words."""
        buf, _ = self.batch([text])
        return " ".join(buf.tobytes().decode("utf-8", "replace").split())


# --------------------------------------------------------------------------- words and n-grams


@dataclass
class Words:
    """The words of a batch of documents: byte spans, 64-bit hashes and per-document ranges."""

    buf: np.ndarray  # normalised bytes
    starts: np.ndarray  # first byte of each word
    ends: np.ndarray  # one past the last byte
    hashes: np.ndarray  # uint64 per word
    doc_offsets: np.ndarray  # words of document d: [doc_offsets[d], doc_offsets[d+1])

    @property
    def n_docs(self) -> int:
        return len(self.doc_offsets) - 1

    def text(self, first: int, count: int) -> str:
        """Words first..first+count-1 joined by spaces (for reports such as contaminated_by)."""
        return " ".join(self.buf[s:e].tobytes().decode("utf-8", "replace") for s, e in zip(self.starts[first : first + count], self.ends[first : first + count]))


class NgramHasher:
    """Word hashes by simple tabulation over bytes; n-gram hashes as sum_j C_j * word_{i+j} mod 2^64.

    Simple tabulation (a random 64-bit value per (position, byte), XORed) is 3-independent for
    words up to 64 bytes, and the odd random C_j make the n-gram hashes of distinct word sequences
    collide with probability ~2^-64. Everything derives from `seed`, so every task
    on every machine hashes alike.
    """

    def __init__(self, seed: int = 1, normalise: TextNormalise | None = None):
        self.normaliser = Normaliser(normalise)
        self.table = _random_u64(seed, 1, _TAB_POSITIONS * 256)
        self.coef = _random_u64(seed, 2, 64) | _U64(1)

    def words(self, texts: Sequence[str]) -> Words:
        buf, offsets = self.normaliser.batch(texts)
        is_word = buf != 32
        prev_word = np.zeros_like(is_word)
        prev_word[1:] = is_word[:-1]
        next_word = np.zeros_like(is_word)
        next_word[:-1] = is_word[1:]
        starts = np.flatnonzero(is_word & ~prev_word)
        ends = np.flatnonzero(is_word & ~next_word) + 1
        index_type = np.int32 if len(buf) < 2**31 else np.int64  # int32 halves the memory traffic
        lengths = (ends - starts).astype(index_type)
        word_bytes = buf[is_word]
        first = np.zeros(len(starts), dtype=index_type)
        if len(starts) > 1:
            np.cumsum(lengths[:-1], out=first[1:])
        # Tabulation index: (position in word mod 64) * 256 + byte.
        idx = np.arange(len(word_bytes), dtype=index_type)
        idx -= np.repeat(first, lengths)
        idx &= _TAB_POSITIONS - 1
        idx <<= 8
        idx |= word_bytes
        hashes = np.bitwise_xor.reduceat(self.table[idx], first) if len(starts) else np.zeros(0, np.uint64)
        doc_offsets = np.searchsorted(starts, offsets)
        return Words(buf, starts, ends, hashes, doc_offsets)

    def ngram_hashes(self, words: Words, n: int, short: Literal["whole", "skip"] = "whole"):
        """(hashes, offsets, first_word): n-grams of document d are hashes[offsets[d]:offsets[d+1]];
        first_word[i] is the index in `words` of n-gram i's first word.

        A document with fewer than n words gives one n-gram of all its words (short="whole") or none.
        """
        if n > len(self.coef):
            raise ValueError(f"n-gram size {n} exceeds {len(self.coef)}")
        w, dof = words.hashes, words.doc_offsets
        n_words = np.diff(dof)
        counts = np.maximum(n_words - n + 1, 0)
        if short == "whole":
            counts = np.where((n_words > 0) & (n_words < n), 1, counts)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        total = int(offsets[-1])
        first_word = np.empty(total, dtype=np.int64)
        hashes = np.empty(total, dtype=np.uint64)
        if total == 0:
            return hashes, offsets, first_word
        # Full n-grams: every window of n words inside one document.
        m = len(w) - n + 1
        if m > 0:
            full = np.zeros(m, dtype=np.uint64)
            for j in range(n):
                full += self.coef[j] * w[j : j + m]
            word_doc = np.repeat(np.arange(len(n_words)), n_words)
            valid = np.flatnonzero(word_doc[:m] == word_doc[n - 1 :])
        else:
            full, valid = np.zeros(0, np.uint64), np.zeros(0, np.int64)
        short_docs = np.flatnonzero((n_words > 0) & (n_words < n)) if short == "whole" else np.zeros(0, np.int64)
        if len(short_docs) == 0:
            hashes[:] = full[valid]
            first_word[:] = valid
            return hashes, offsets, first_word
        # Rare: merge the one-per-document short n-grams into document order.
        is_short = np.zeros(total, dtype=bool)
        is_short[offsets[short_docs]] = True
        hashes[~is_short] = full[valid]
        first_word[~is_short] = valid
        for d in short_docs:
            s, k = dof[d], n_words[d]
            hashes[offsets[d]] = np.sum(self.coef[:k] * w[s : s + k], dtype=np.uint64)
            first_word[offsets[d]] = s
        return hashes, offsets, first_word


# --------------------------------------------------------------------------- MinHash


class MinHasher:
    """MinHash signatures of documents over word n-grams.

    `signatures(texts)` returns (sig, has_sig): sig is (docs, num_perm), uint64 (hash_bits 64) or
    uint32; documents without a word have no signature (has_sig False, row all ones).
    """

    def __init__(
        self,
        num_perm: int = 110,
        ngram: int = 5,
        seed: int = 1,
        hash_bits: Literal[32, 64] = 64,
        scheme: Literal["affine", "mersenne"] = "affine",
        normalise: TextNormalise | None = None,
    ):
        self.num_perm, self.ngram, self.seed = num_perm, ngram, seed
        self.hash_bits, self.scheme = hash_bits, scheme
        self.hasher = NgramHasher(seed, normalise)
        a, b = datasketch_permutations(num_perm, seed, scheme, hash_bits)
        self.dtype = np.uint64 if hash_bits == 64 else np.uint32
        work = np.uint32 if (scheme == "affine" and hash_bits == 32) else np.uint64
        self.a, self.b = a.astype(work).reshape(-1, 1), b.astype(work).reshape(-1, 1)
        self.max_value = np.iinfo(self.dtype).max

    # The value datasketch's `hashfunc` must return for an n-gram to reproduce our signatures.
    def datasketch_input(self, ngram_hashes: np.ndarray) -> np.ndarray:
        if self.hash_bits == 32:
            return (ngram_hashes >> _U64(32)).astype(np.uint64)
        return ngram_hashes

    def _permutation_input(self, ngram_hashes: np.ndarray) -> np.ndarray:
        x = self.datasketch_input(ngram_hashes)
        if self.scheme == "mersenne":
            return x
        return fmix64(x) if self.hash_bits == 64 else fmix32(x.astype(np.uint32))

    def _permute(self, x: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
        np.multiply(self.a, x[None, :], out=out)
        np.add(out, self.b, out=out)
        if self.scheme == "mersenne":
            # y mod p for p = 2^61-1: fold the top 3 bits onto the low 61, then one subtraction.
            np.right_shift(out, _U64(61), out=tmp)
            np.bitwise_and(out, MERSENNE, out=out)
            np.add(out, tmp, out=out)
            np.subtract(out, MERSENNE, out=out, where=out >= MERSENNE)
            if self.hash_bits == 32:
                np.bitwise_and(out, _U64(0xFFFFFFFF), out=out)

    def signatures_from_ngrams(self, hashes: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n_docs = len(offsets) - 1
        has_sig = np.diff(offsets) > 0
        sig_t = np.full((self.num_perm, n_docs), self.max_value, dtype=self.a.dtype)
        seg_docs = np.flatnonzero(has_sig)
        if len(seg_docs):
            seg_offsets = np.append(offsets[seg_docs], offsets[-1])
            x = self._permutation_input(hashes)
            buf = np.empty((self.num_perm, min(_BLOCK, len(x))), dtype=self.a.dtype)
            tmp = np.empty_like(buf) if self.scheme == "mersenne" else None
            mins = np.full((self.num_perm, len(seg_docs)), self.max_value, dtype=self.a.dtype)
            for lo in range(0, len(x), _BLOCK):
                hi = min(lo + _BLOCK, len(x))
                s0 = np.searchsorted(seg_offsets, lo, "right") - 1
                s1 = np.searchsorted(seg_offsets, hi, "left")
                cuts = np.maximum(seg_offsets[s0:s1], lo) - lo
                view = buf[:, : hi - lo]
                self._permute(x[lo:hi], view, tmp[:, : hi - lo] if tmp is not None else None)
                part = np.minimum.reduceat(view, cuts, axis=1)
                np.minimum(mins[:, s0:s1], part, out=mins[:, s0:s1])
            sig_t[:, seg_docs] = mins
        return np.ascontiguousarray(sig_t.T).astype(self.dtype, copy=False), has_sig

    def ngrams(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        words = self.hasher.words(texts)
        hashes, offsets, _ = self.hasher.ngram_hashes(words, self.ngram)
        return hashes, offsets

    def signatures(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.signatures_from_ngrams(*self.ngrams(texts))


def band_keys(sig: np.ndarray, bands: int, rows: int, seed: int = 1) -> np.ndarray:
    """(docs, bands) uint64: one 64-bit key per band of `rows` signature values."""
    if sig.shape[1] < bands * rows:
        raise ValueError(f"signature has {sig.shape[1]} values, bands*rows needs {bands * rows}")
    coef = _random_u64(seed, 3, rows) | _U64(1)
    keys = np.zeros((sig.shape[0], bands), dtype=np.uint64)
    s64 = sig.astype(np.uint64, copy=False)
    for band in range(bands):
        acc = np.full(sig.shape[0], band, dtype=np.uint64)
        for j in range(rows):
            acc += coef[j] * fmix64(s64[:, band * rows + j])
        keys[:, band] = fmix64(acc)
    return keys


def exact_hashes(texts: Sequence[str], normaliser: Normaliser) -> tuple[np.ndarray, np.ndarray]:
    """(hash, has_words): 64-bit xxh3 of each document's normalised text, whitespace collapsed.

    A document without a word gets has_words False: empty pages are not duplicates of each other.
    """
    import xxhash

    buf, offsets = normaliser.batch(texts)
    space = buf == 32
    keep = ~space  # a space survives only after a non-space: runs collapse to one
    keep[1:] |= ~space[:-1]
    text = buf[keep]
    cum = np.zeros(len(buf) + 1, dtype=np.int64)
    np.cumsum(keep, out=cum[1:])
    bounds = cum[offsets]
    starts, ends = bounds[:-1], bounds[1:].copy()
    # Each document ends with at most one space (its separator): drop it.
    if len(text):
        ends -= ((ends > starts) & (text[np.maximum(ends - 1, 0)] == 32)).astype(np.int64)
    view = memoryview(text)
    out = np.zeros(len(texts), dtype=np.uint64)
    for d, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        if b > a:
            out[d] = xxhash.xxh3_64_intdigest(view[a:b])
    return out, ends > starts


def stable_id_hash(ids: Sequence[str]) -> np.ndarray:
    """A 64-bit hash of each document id: the layout-independent tie-break inside an LSH bucket."""
    import xxhash

    return np.fromiter((xxhash.xxh3_64_intdigest(str(i).encode("utf-8", "replace")) for i in ids), dtype=np.uint64, count=len(ids))
