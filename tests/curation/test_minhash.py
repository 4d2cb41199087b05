"""curation.minhash against datasketch, the reference MinHash implementation."""
from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import MinHash

from curation.dedup.config import TextNormalise
from curation.minhash import (
    MERSENNE,
    MinHasher,
    NgramHasher,
    Normaliser,
    band_keys,
    candidate_probability,
    datasketch_permutations,
    exact_hashes,
    jaccard_estimate,
)

WORDS = [
    "the", "sum", "of", "two", "numbers", "is", "equal", "to", "prime", "integer", "solve", "for", "x",
    "triangle", "angle", "area", "circle", "radius", "probability", "that", "a", "random", "chosen",
    "matrix", "vector", "eigenvalue", "derivative", "integral", "function", "limit", "series", "converges",
]


def random_text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randint(0, 50)) for _ in range(n))


def texts_for_tests() -> list[str]:
    rng = random.Random(7)
    docs = [random_text(rng, rng.randint(20, 400)) for _ in range(40)]
    docs += [
        "Ünïcödé — “quoted” text, with Straße and ½ fractions: x² + y² = z²",
        "Short one",  # fewer words than the n-gram size: one n-gram of all its words
        "Let $f(x) = \\frac{3x-2}{x-2}$. What is the value of $f(-2) + f(-1) + f(0)$?",
        "",
    ]
    return docs


@pytest.mark.parametrize(
    "scheme,hash_bits,ds_scheme",
    [("affine", 64, "affine64"), ("affine", 32, "affine32"), ("mersenne", 32, "legacy")],
)
def test_signatures_equal_datasketch_with_same_permutations(scheme, hash_bits, ds_scheme):
    mh = MinHasher(num_perm=110, ngram=5, seed=1, hash_bits=hash_bits, scheme=scheme)
    docs = texts_for_tests()
    sig, has_sig = mh.signatures(docs)
    hashes, offsets = mh.ngrams(docs)
    assert has_sig.tolist() == [True] * (len(docs) - 1) + [False]
    for d in np.flatnonzero(has_sig):
        ref = MinHash(num_perm=110, seed=1, scheme=ds_scheme, hashfunc=lambda v: v)
        for v in mh.datasketch_input(hashes[offsets[d] : offsets[d + 1]]):
            ref.update(int(v))
        assert np.array_equal(ref.hashvalues.astype(np.uint64), sig[d].astype(np.uint64)), f"document {d}"


def test_mersenne64_is_the_datatrove_formula():
    mh = MinHasher(num_perm=110, ngram=5, seed=3, hash_bits=64, scheme="mersenne")
    docs = texts_for_tests()[:5]
    sig, _ = mh.signatures(docs)
    hashes, offsets = mh.ngrams(docs)
    a, b = datasketch_permutations(110, 3, "mersenne", 64)
    for d in range(5):
        x = hashes[offsets[d] : offsets[d + 1]].reshape(-1, 1)
        ref = ((x * a + b) % MERSENNE).min(axis=0)  # numpy's division-based modulo
        assert np.array_equal(ref, sig[d])


def test_signature_does_not_depend_on_the_batch():
    mh = MinHasher()
    docs = texts_for_tests()
    whole, _ = mh.signatures(docs)
    pieces = np.concatenate([mh.signatures(docs[i : i + 3])[0] for i in range(0, len(docs), 3)])
    single = np.stack([mh.signatures([d])[0][0] for d in docs])
    assert np.array_equal(whole, pieces) and np.array_equal(whole, single)


def test_long_document_spanning_permutation_blocks():
    rng = random.Random(1)
    docs = ["a b c", random_text(rng, 30_000), "d e f g h i"]
    mh = MinHasher(num_perm=16, scheme="mersenne", hash_bits=32)
    sig, _ = mh.signatures(docs)
    hashes, offsets = mh.ngrams(docs)
    ref = MinHash(num_perm=16, seed=1, scheme="legacy", hashfunc=lambda v: v)
    ref.update_batch([int(v) for v in mh.datasketch_input(hashes[offsets[1] : offsets[2]])])
    assert np.array_equal(ref.hashvalues, sig[1].astype(np.uint64))


def shingle_set(hasher: NgramHasher, text: str, n: int = 5) -> set[int]:
    words = hasher.words([text])
    return set(hasher.ngram_hashes(words, n)[0].tolist())


def edited(rng: random.Random, words: list[str], edits: int) -> list[str]:
    out = list(words)
    for _ in range(edits):
        out[rng.randrange(len(out))] = rng.choice(WORDS) + str(rng.randint(51, 99))
    return out


def test_jaccard_estimates_within_standard_error_of_exact_jaccard():
    """Our estimate and datasketch's (its own sha1 hashing of the same 5-grams) both scatter
    around the exact Jaccard of the 5-gram sets with the standard error sqrt(J(1-J)/k)."""
    rng = random.Random(11)
    k = 110
    mh = MinHasher(num_perm=k)
    z_ours, z_ds = [], []
    for i in range(120):
        base = (random_text(rng, 300)).split()
        other = edited(rng, base, rng.choice([2, 5, 10, 20, 40, 80]))
        a, b = " ".join(base), " ".join(other)
        sa, sb = shingle_set(mh.hasher, a), shingle_set(mh.hasher, b)
        exact = len(sa & sb) / len(sa | sb)
        sig, _ = mh.signatures([a, b])
        ours = float(jaccard_estimate(sig[0], sig[1]))
        grams = lambda t: {" ".join(t.split()[j : j + 5]) for j in range(len(t.split()) - 4)}  # noqa: E731
        ma, mb = MinHash(num_perm=k, seed=i), MinHash(num_perm=k, seed=i)
        ma.update_batch([g.encode() for g in grams(a.lower())])
        mb.update_batch([g.encode() for g in grams(b.lower())])
        se = max(np.sqrt(exact * (1 - exact) / k), 1e-3)
        z_ours.append((ours - exact) / se)
        z_ds.append((ma.jaccard(mb) - exact) / se)
    z_ours, z_ds = np.array(z_ours), np.array(z_ds)
    # Standardised errors: mean ~0, variance ~1, nothing wild.
    assert abs(z_ours.mean()) < 0.35 and 0.6 < (z_ours**2).mean() < 1.6, (z_ours.mean(), (z_ours**2).mean())
    assert np.abs(z_ours).max() < 4.5
    assert np.mean(np.abs(z_ours) <= 2) >= 0.9
    # The reference behaves the same way on the same pairs.
    assert abs(z_ds.mean()) < 0.35 and 0.6 < (z_ds**2).mean() < 1.6


def pairs_with_jaccard(rng: np.random.Generator, s: float, union: int = 200):
    """Two random uint64 sets whose exact Jaccard is round(s*union)/union."""
    inter = int(round(s * union))
    pool = rng.integers(0, 2**63, size=2 * union, dtype=np.uint64)
    common, rest = pool[:inter], pool[inter:union]
    half = len(rest) // 2
    return np.concatenate((common, rest[:half])), np.concatenate((common, rest[half:])), inter / union


@pytest.mark.parametrize("bands,rows", [(11, 10), (20, 5)])
def test_candidate_probability_follows_the_s_curve(bands, rows):
    rng = np.random.default_rng(5)
    mh = MinHasher(num_perm=bands * rows, seed=2)
    trials = 300
    for s in (0.5, 0.65, 0.75, 0.8, 0.9):
        hashes, offsets, exact = [], [0], None
        for _ in range(trials):
            a, b, exact = pairs_with_jaccard(rng, s)
            hashes += [a, b]
            offsets += [offsets[-1] + len(a), offsets[-1] + len(a) + len(b)]
        sig, _ = mh.signatures_from_ngrams(np.concatenate(hashes), np.array(offsets))
        keys = band_keys(sig, bands, rows)
        hit = (keys[0::2] == keys[1::2]).any(axis=1)
        p = float(candidate_probability(exact, bands, rows))
        se = np.sqrt(p * (1 - p) / trials) + 1e-9
        assert abs(hit.mean() - p) <= 4 * se + 0.01, (s, hit.mean(), p)


def test_normaliser_ascii_table_and_unicode_runs():
    n = Normaliser(TextNormalise())
    assert n.text("Hello,   World!\tx+y=3") == "hello world x y 3"
    assert n.text("ÉCOLE — “Straße” ½") == "école straße 1 2"
    assert n.text("cafe\u0301 bar") == "café bar"  # combining accent composes with its letter
    keep = Normaliser(TextNormalise(punctuation="keep", lowercase=False))
    assert keep.text("Hello,   World! x+y=3") == "Hello, World! x+y=3"
    zero = Normaliser(TextNormalise(digits="zero"))
    assert zero.text("In 2024 there were 365 days") == "in 0000 there were 000 days"
    # Offsets stay right when a non-ASCII run changes byte length (½ -> "1 2").
    hasher = NgramHasher()
    words = hasher.words(["½ a b", "c d", "ünï e"])
    assert [words.text(words.doc_offsets[d], words.doc_offsets[d + 1] - words.doc_offsets[d]) for d in range(3)] == ["1 2 a b", "c d", "ünï e"]


def test_short_and_empty_documents():
    mh = MinHasher(num_perm=8)
    sig, has_sig = mh.signatures(["one two", "", "   ", "one two", "One, two!"])
    assert has_sig.tolist() == [True, False, False, True, True]
    assert np.array_equal(sig[0], sig[3]) and np.array_equal(sig[0], sig[4])
    assert (sig[1] == np.iinfo(sig.dtype).max).all()


def test_exact_hashes_normalise_whitespace_and_case_but_not_punctuation():
    norm = Normaliser(TextNormalise(punctuation="keep"))
    h, has = exact_hashes(["x + y = 3\n", "X +  y = 3", "x - y = 3", "", "  \n"], norm)
    assert h[0] == h[1] and h[0] != h[2]
    assert has.tolist() == [True, True, True, False, False]
