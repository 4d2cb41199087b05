"""Packed shards, the Megatron-style blend and the training reader (no torch)."""
import json
import os

import numpy as np
import pytest

from train.packing import (
    PackedDataError,
    PackedMix,
    SequencePacker,
    blend_samples,
    megatron_blend,
    plan_total,
    token_dtype,
    write_blend,
)


def test_packer_rows_eos_and_tail(tmp_path):
    path = str(tmp_path / "00000.bin")
    packer = SequencePacker(path, seq_len=4, dtype=np.uint16)
    docs = [[5, 6, 7, 0], [8, 9, 0], [10, 11, 12, 13, 14, 0], [15, 0]]  # each ends with EOS 0
    for d in docs:
        packer.add(d)
    index = packer.close()
    stream = [t for d in docs for t in d]  # 15 tokens -> 3 rows of 4, 3 left over
    assert index["sequences"] == 3 and index["tokens"] == 12 and index["tail_dropped"] == 3
    assert index["tokens_in"] == 15 and index["max_id"] == 15
    rows = np.fromfile(path, dtype=np.uint16).reshape(-1, 4)
    assert rows.flatten().tolist() == stream[:12]
    assert not os.path.exists(path + ".tmp")


def test_dtype_follows_vocabulary(tmp_path):
    assert token_dtype(65536) == np.uint16 and token_dtype(128256) == np.uint32
    packer = SequencePacker(str(tmp_path / "x.bin"), 4, np.uint16)
    with pytest.raises(ValueError, match="does not fit"):  # uint16 cannot hold Llama-3 ids
        packer.add([128000, 1, 2, 3])
    packer.abort()
    assert not os.path.exists(tmp_path / "x.bin.tmp")


@pytest.mark.parametrize("weights", [[0.6, 0.3, 0.1], [0.85, 0.15], [0.4, 0.25, 0.25, 0.1], [1, 1, 1]])
def test_greedy_blend_matches_weights_in_every_prefix(weights):
    total = 1000
    src = megatron_blend(weights, total)
    w = np.asarray(weights, dtype=float) / sum(weights)
    counts = np.zeros(len(w))
    for i, d in enumerate(src.tolist()):
        counts[d] += 1
        # Megatron's greedy rule never lets a source fall more than one sequence behind its share
        assert np.all(np.abs(counts - w * (i + 1)) <= 1.0 + 1e-9)
    shares = np.bincount(src, minlength=len(w)) / total
    assert np.max(np.abs(shares - w)) <= 0.01
    assert megatron_blend(weights, total).tolist() == src.tolist()  # deterministic


def test_samples_repeat_as_reshuffled_epochs():
    src = np.zeros(25, dtype=np.int16)  # one source of 10 sequences used 25 times: 2.5 epochs
    samples = blend_samples(src, [10], seed=3, shuffle=True)
    assert sorted(samples[:10].tolist()) == list(range(10)) and sorted(samples[10:20].tolist()) == list(range(10))
    assert samples[:10].tolist() != samples[10:20].tolist()  # a new order each epoch
    assert blend_samples(src, [10], seed=3, shuffle=True).tolist() == samples.tolist()
    assert blend_samples(src, [10], seed=0, shuffle=False).tolist() == [i % 10 for i in range(25)]


def test_plan_total():
    assert plan_total([0.5, 0.5], [100, 40], None, 8) == 80  # the smaller source, used once
    assert plan_total([0.5, 0.5], [100, 40], 8000, 8) == 1000  # a token budget: sources repeat


def _write_mix(folder, seq_len=8, weights=(0.75, 0.25), sizes=(30, 12), total=40):
    """Two sources whose every token says which source and row it is from."""
    sources = []
    for d, n in enumerate(sizes):
        unit_dir = folder / "sources" / f"s{d}"
        packer = SequencePacker(str(unit_dir / "00000.bin"), seq_len, np.uint16)
        for r in range(n):
            packer.add([1000 * (d + 1) + r] * seq_len)
        index = packer.close()
        sources.append({"name": f"s{d}", "weight": weights[d], "units": [index], "sequences": n})
    manifest = {"mix": "m", "seq_len": seq_len, "dtype": "uint16", "sources": sources}
    return write_blend(str(folder), manifest, list(weights), list(sizes), total, seed=0, shuffle=True)


def test_reader_follows_the_blend(tmp_path):
    manifest = _write_mix(tmp_path)
    mix = PackedMix(str(tmp_path))
    assert len(mix) == 40 and mix.max_token_id == 2011
    rows = mix.rows(0, 40)
    assert rows.dtype == np.int64 and rows.shape == (40, 8)
    src = np.load(tmp_path / "blend_source.npy")
    for i in range(40):
        assert len(set(rows[i].tolist())) == 1
        assert rows[i][0] // 1000 - 1 == src[i]
    s0 = manifest["sources"][0]
    assert s0["used_sequences"] == 30 and s0["share"] == 0.75 and s0["epochs"] == 1.0
    # past the end the mix wraps around
    assert mix.rows(39, 3).tolist() == [rows[39].tolist(), rows[0].tolist(), rows[1].tolist()]


def test_corrupt_or_missing_data_is_one_clear_error(tmp_path):
    _write_mix(tmp_path)
    shard = tmp_path / "sources" / "s0" / "00000.bin"
    data = bytearray(shard.read_bytes())
    data[5] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(PackedDataError, match="checksum mismatch"):
        PackedMix(str(tmp_path))
    PackedMix(str(tmp_path), verify="size")  # a size-only check does not read the data
    shard.write_bytes(bytes(data[:-3]))
    with pytest.raises(PackedDataError, match="corrupt packed shard"):
        PackedMix(str(tmp_path), verify="size")
    shard.unlink()
    with pytest.raises(PackedDataError, match="missing"):
        PackedMix(str(tmp_path))
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(PackedDataError, match="unreadable manifest"):
        PackedMix(str(tmp_path))
    with pytest.raises(PackedDataError, match="no packed mix"):
        PackedMix(str(tmp_path / "elsewhere"))


def test_blend_index_out_of_range_is_caught(tmp_path):
    _write_mix(tmp_path)
    samples = np.load(tmp_path / "blend_sample.npy")
    samples[0] = 10_000
    np.save(tmp_path / "blend_sample.npy", samples)
    with pytest.raises(PackedDataError, match="points past source"):
        PackedMix(str(tmp_path))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["format"] == "octo-packed-mix/1" and manifest["fingerprint"]
