"""`octo-train rl`: prompt data, templates, rollouts, the loop, resume, and the honest learning check."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("deepspeed")

from train.rl_data import PromptSampler, PromptTemplate, RLDataError, load_rl_problems, problem_from_record  # noqa: E402
from train.rollout import HFRollout, RolloutError, pack_batch, response_logprobs, vllm_model_of  # noqa: E402

QA = "Question: {question}\nAnswer:"


# --------------------------------------------------------------------------------------------
# Fixtures: a BPE trained on the toy task's worked examples and a tiny random Llama
# --------------------------------------------------------------------------------------------


def _toy_texts(n: int = 2000) -> list[str]:
    from train.qa_synth import generate_qa

    return [QA.replace("{question}", e.question) + " " + e.answer for e in generate_qa(n, 0, "toy")]


def _tiny_llama(tok, hidden: int = 32, layers: int = 2, seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=-(-len(tok) // 64) * 64, hidden_size=hidden, intermediate_size=4 * hidden,
                      num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=None, tie_word_embeddings=True)
    return LlamaForCausalLM(cfg)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from train.tokenizer import train_bpe

    tok = train_bpe(_toy_texts(), 1024)
    model = _tiny_llama(tok)
    path = tmp_path_factory.mktemp("tiny") / "model"
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path, model, tok


def _write_config(path: Path, output: Path, model: Path, **rl) -> Path:
    cfg = {
        "model": str(model), "steps": 3, "seed": 0,
        "data": {"source": "toy", "toy_n": 64},
        "prompt": {"template": "qa"},
        "rollout": {"prompts_per_step": 4, "samples_per_prompt": 4, "max_response_len": 8, "batch_size": 64},
        "optim": {"lr": 1e-3, "weight_decay": 0.0},
        "precision": "fp32", "reward_workers": 1,
        # A random model rarely writes a number: no answer (-1.5) vs a wrong number (-1)
        # gives its groups differing rewards, so updates are not all zero.
        "reward": {"no_answer": -1.5},
    }
    for key, value in rl.items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    path.write_text(json.dumps({"output": str(output), "rl": cfg}))
    return path


def _rows(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


# --------------------------------------------------------------------------------------------
# Prompt data
# --------------------------------------------------------------------------------------------


def test_records_of_common_rl_layouts():
    math8k = problem_from_record({"question": "What is $1+1$?", "gt_answer": "2"}, 0)
    assert (math8k.question, math8k.gold) == ("What is $1+1$?", "2")
    deepscaler = problem_from_record({"problem": "Find x.", "answer": "\\frac{1}{2}", "solution": "... \\boxed{0.5}"}, 1)
    assert deepscaler.gold == "\\frac{1}{2}"
    verl = problem_from_record({"prompt": [{"role": "system", "content": "sys"}, {"role": "user", "content": "Compute 3*3."}],
                                "reward_model": {"style": "rule", "ground_truth": "9"}}, 2)
    assert (verl.question, verl.gold) == ("Compute 3*3.", "9")
    gsm = problem_from_record({"question": "Q?", "answer": "3 + 4 = 7\n#### 1,007"}, 3)
    assert gsm.gold == "1007"
    boxed = problem_from_record({"problem": "P?", "solution": "So it is $\\boxed{\\sqrt{2}}$."}, 4)
    assert boxed.gold == "\\sqrt{2}"
    assert problem_from_record({"question": "no answer here"}, 5) is None
    assert problem_from_record({"answer": "5"}, 6) is None


def test_load_file_skips_bad_records_and_rejects_useless_files(tmp_path, caplog):
    good = tmp_path / "rl.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in [
        {"question": "1+1?", "answer": "2"}, {"question": "missing gold"}, {"problem": "2+2?", "gt_answer": 4}]) + "\n")
    problems = load_rl_problems(str(good))
    assert [(p.question, p.gold) for p in problems] == [("1+1?", "2"), ("2+2?", "4")]
    assert "1 records without a question or gold answer skipped" in caplog.text
    useless = tmp_path / "bad.jsonl"
    useless.write_text(json.dumps({"text": "hello"}) + "\n")
    with pytest.raises(RLDataError, match="no record with a question and a gold answer"):
        load_rl_problems(str(useless))
    with pytest.raises(RLDataError, match="no such file"):
        load_rl_problems(str(tmp_path / "absent.jsonl"))
    gsm = tmp_path / "gsm.jsonl"
    gsm.write_text(json.dumps({"question": "Q", "answer": "x\n#### 12"}) + "\n")
    assert load_rl_problems(str(gsm), fmt="gsm8k")[0].gold == "12"
    with pytest.raises(RLDataError, match="data.format"):
        load_rl_problems(str(gsm), fmt="nope")


def test_parquet_prompts(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "rl.parquet"
    pq.write_table(pa.table({"problem": ["A?", "B?"], "answer": ["1", "2"]}), path)
    assert [p.gold for p in load_rl_problems(str(path))] == ["1", "2"]


def test_toy_problems_are_deterministic_single_digit_additions():
    a = load_rl_problems("toy", toy_n=50, toy_seed=3)
    assert [p.question for p in a] == [p.question for p in load_rl_problems("toy", toy_n=50, toy_seed=3)]
    for p in a:
        x, y = map(int, re.findall(r"has (\d) .* gets (\d) more", p.question)[0])
        assert p.gold == str(x + y) and p.kind == "number"


def test_templates_and_stop_strings(tiny):
    _, _, tok = tiny
    base = PromptTemplate("base")
    text = base.render("What is $\\{1\\}$?")
    assert "User: What is $\\{1\\}$?" in text and text.endswith("Assistant:") and "\\boxed{}" in text
    assert base.stop == ["\nUser:"]
    assert PromptTemplate("qa").render("Q?") == "Question: Q?\nAnswer:" and PromptTemplate("qa").stop == ["\nQuestion:"]
    assert PromptTemplate("<s>{question} =>").render("2+2") == "<s>2+2 =>"
    chat = PromptTemplate("chat", tok)
    rendered = chat.render("Q?")
    assert rendered.startswith("<|user|>\nQ?\nPlease reason step by step") and rendered.endswith("<|assistant|>\n")
    assert chat.stop == []
    with pytest.raises(RLDataError, match="prompt.template"):
        PromptTemplate("no placeholder")


def test_prompt_sampler_resumes_from_its_cursor():
    a = PromptSampler(10, seed=4)
    first = [a.take(3) for _ in range(7)]  # crosses two epoch boundaries
    assert sorted(sum(first, [])[:10]) == list(range(10))  # each epoch a permutation
    b = PromptSampler(10, seed=4, cursor=9)
    assert sum(first, [])[9:] == sum([b.take(3) for _ in range(4)], [])
    assert PromptSampler(10, seed=5).take(10) != PromptSampler(10, seed=4).take(10)


# --------------------------------------------------------------------------------------------
# Rollouts
# --------------------------------------------------------------------------------------------


def _prompts(n: int) -> list[str]:
    return [QA.replace("{question}", p.question) for p in load_rl_problems("toy", toy_n=n, toy_seed=7)]


def test_greedy_rollout_equals_transformers_generate(tiny):
    _, model, tok = tiny
    prompts = _prompts(5)
    batch = HFRollout(model, tok, batch_size=64).generate(prompts, n=1, max_new_tokens=12, temperature=0.0)
    for i, p in enumerate(prompts):
        enc = tok(p, return_tensors="pt")
        out = model.generate(**enc, max_new_tokens=12, do_sample=False, pad_token_id=tok.pad_token_id)
        ref = out[0, enc["input_ids"].shape[1]:].tolist()
        if tok.eos_token_id in ref:
            ref = ref[: ref.index(tok.eos_token_id) + 1]
        assert batch.response_ids[i] == ref
        assert batch.prompt_ids[i] == enc["input_ids"][0].tolist()


def test_sampling_groups_seeds_and_lengths(tiny):
    _, model, tok = tiny
    gen = HFRollout(model, tok, batch_size=12)  # 3 prompts per generate call: several chunks
    prompts = _prompts(7)
    a = gen.generate(prompts, n=4, max_new_tokens=10, temperature=1.0, seed=11)
    assert len(a) == 28 and a.group == [i // 4 for i in range(28)]
    assert all(a.prompt_ids[i] == a.prompt_ids[(i // 4) * 4] for i in range(28))
    assert all(len(r) <= 10 for r in a.response_ids)
    assert all((f == "length") == (len(r) == 10 and tok.eos_token_id not in r) for f, r in zip(a.finish, a.response_ids))
    assert gen.generate(prompts, n=4, max_new_tokens=10, temperature=1.0, seed=11).response_ids == a.response_ids
    assert gen.generate(prompts, n=4, max_new_tokens=10, temperature=1.0, seed=12).response_ids != a.response_ids
    assert len({tuple(r) for r in a.response_ids[:4]}) > 1  # samples of one prompt differ


def test_stop_strings_end_a_response(tiny):
    _, model, tok = tiny
    gen = HFRollout(model, tok)
    free = gen.generate(_prompts(6), n=2, max_new_tokens=16, temperature=1.0, seed=3)
    # Pick a piece of text the model did write and make it a stop string.
    text = next(t for t in free.texts if len(t) > 6)
    stop = text[3:6]
    cut = gen.generate(_prompts(6), n=2, max_new_tokens=16, temperature=1.0, seed=3, stop=[stop])
    for t_free, t_cut, f, r_free, r_cut in zip(free.texts, cut.texts, cut.finish, free.response_ids, cut.response_ids):
        assert stop not in t_cut
        if stop in t_free:
            assert f == "stop" and t_free.startswith(t_cut) and r_free[: len(r_cut)] == r_cut and len(r_cut) < len(r_free)
        else:
            assert r_cut == r_free


def test_logprobs_of_packed_batches_match_one_sequence_at_a_time(tiny):
    _, model, tok = tiny
    b = HFRollout(model, tok).generate(_prompts(3), n=3, max_new_tokens=9, temperature=1.0, seed=5)
    packed = pack_batch(b.prompt_ids, b.response_ids, tok.pad_token_id)
    with torch.no_grad():
        logp, entropy = response_logprobs(model, packed, with_entropy=True)
        for i in range(len(b)):
            seq = torch.tensor([b.prompt_ids[i] + b.response_ids[i]])
            P = len(b.prompt_ids[i])
            ref = torch.log_softmax(model(seq).logits[0, P - 1 : -1].float(), -1).gather(-1, seq[0, P:, None]).squeeze(-1)
            n = len(b.response_ids[i])
            assert torch.allclose(logp[i, :n], ref, atol=1e-5)
            assert packed.response_mask[i].sum().item() == n
    assert entropy.shape == logp.shape and (entropy >= 0).all()


def test_grouped_forward_matches_the_flat_one(tiny):
    """Each prompt computed once per group gives the same log-probs and gradients."""
    from train.rollout import grouped_logprobs, pack_grouped

    _, model, tok = tiny
    b = HFRollout(model, tok).generate(_prompts(4), n=4, max_new_tokens=9, temperature=1.0, seed=2)
    flat = pack_batch(b.prompt_ids, b.response_ids, tok.pad_token_id)
    grouped = pack_grouped(b.prompt_ids, b.response_ids, tok.pad_token_id)
    assert grouped.prompt_ids.shape[0] == 4 and grouped.owner.tolist() == b.group
    mask = flat.response_mask.bool()
    assert torch.equal(mask, grouped.response_mask.bool())
    grads = []
    for fn, packed in ((response_logprobs, flat), (grouped_logprobs, grouped)):
        model.zero_grad()
        logp, ent = fn(model, packed, with_entropy=True)
        (logp * mask).sum().backward()
        grads.append((logp.detach()[mask], ent[mask], [p.grad.clone() for p in model.parameters()]))
    model.zero_grad()
    assert torch.allclose(grads[0][0], grads[1][0], atol=1e-5) and torch.allclose(grads[0][1], grads[1][1], atol=1e-5)
    for ga, gb in zip(grads[0][2], grads[1][2]):
        assert torch.allclose(ga, gb, atol=1e-5, rtol=1e-4)


def test_vllm_seams():
    class Model:
        def load_weights(self, weights):
            self.loaded = list(weights)

    class Runner:
        model = Model()

    class V0Worker:
        model_runner = Runner()

    class V1Wrapper:  # V1's in-process worker wrapper holds the worker
        class worker:
            model_runner = Runner()

    def llm(worker):
        return type("LLM", (), {"llm_engine": type("E", (), {"model_executor": type("X", (), {"driver_worker": worker})})})

    assert vllm_model_of(llm(V0Worker)) is V0Worker.model_runner.model
    assert vllm_model_of(llm(V1Wrapper)) is V1Wrapper.worker.model_runner.model
    with pytest.raises(RolloutError, match="VLLM_ENABLE_V1_MULTIPROCESSING"):
        vllm_model_of(object())


def test_vllm_backend_without_vllm_is_one_line(tiny, tmp_path, capsys):
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed")
    from train.grpo import main

    path, _, _ = tiny
    cfg = _write_config(tmp_path / "p.yaml", tmp_path / "out", path, rollout={"backend": "vllm"})
    assert main(["--config", str(cfg)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "vllm is not installed" in err


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU and vllm")
def test_vllm_rollout_and_weight_push(tiny):
    pytest.importorskip("vllm")
    from train.rollout import VLLMRollout

    path, model, tok = tiny
    gen = VLLMRollout(str(path), tok, seed=0, gpu_memory_utilization=0.2, enforce_eager=True)
    before = gen.generate(_prompts(2), n=2, max_new_tokens=8, temperature=0.0)
    zeroed = [(name, torch.zeros_like(p)) for name, p in model.named_parameters()]
    gen.push_weights(zeroed)
    after = gen.generate(_prompts(2), n=2, max_new_tokens=8, temperature=0.0)
    assert after.response_ids != before.response_ids  # all-zero weights: a constant token


# --------------------------------------------------------------------------------------------
# The loop through `octo-train rl`
# --------------------------------------------------------------------------------------------

REQUIRED = {"step", "reward_mean", "accuracy", "response_len_mean", "response_len_max", "truncation_rate", "kl",
            "clip_frac", "entropy", "lr", "time_rollout", "time_update"}


def test_cli_errors_are_one_line(tmp_path, capsys, tiny):
    from train.cli import main

    path, _, _ = tiny
    no_rl = tmp_path / "none.yaml"
    no_rl.write_text("output: out\n")
    bad_stair = _write_config(tmp_path / "stair.yaml", tmp_path / "out", path, rollout={"max_response_len": {5: 10}})
    typo = _write_config(tmp_path / "typo.yaml", tmp_path / "out", path, algorithm={"clip_hi": 0.3})
    cases = [
        (["rl", "--config", str(no_rl)], "no `rl:` section"),
        (["rl", "--config", str(bad_stair)], "stair must start at step 0"),
        (["rl", "--config", str(typo)], "rl.algorithm.clip_hi: unknown field"),
        (["rl", "--config", str(typo), "--max-steps", "0"], "--max-steps: must be at least 1"),
        (["rl", "--config", str(no_rl), "--set", "rl.model=/nonexistent/model"], "no such folder"),
        (["rl", "--config", str(tmp_path / "missing.yaml")], "no such config file"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, (argv, err)


def test_rl_run_metrics_stair_eval_and_export(tiny, tmp_path):
    from transformers import AutoModelForCausalLM

    from train.grpo import main

    path, _, _ = tiny
    out = tmp_path / "out"
    cfg = _write_config(tmp_path / "p.yaml", out, path, steps=4, rollout={"max_response_len": {0: 6, 2: 10}},
                        eval={"every": 2, "n": 6})
    assert main(["--config", str(cfg)]) == 0
    run = out / "runs" / "rl"
    rows = _rows(run)
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    for r in rows:
        assert REQUIRED <= set(r)
        assert r["samples"] == 16 and r["response_len_max"] <= r["max_response_len"]
    # The stair: steps 0-1 (rows 1-2) at 6 tokens, from step 2 (row 3) on at 10.
    assert [r["max_response_len"] for r in rows] == [6, 6, 10, 10]
    assert [json.loads(line)["step"] for line in (run / "eval.jsonl").read_text().splitlines()] == [0, 2, 4]
    assert "eval_accuracy" in rows[1] and "eval_accuracy" not in rows[0]
    assert AutoModelForCausalLM.from_pretrained(run / "hf") is not None
    assert (run / "hf" / "tokenizer.json").exists()


@pytest.mark.parametrize("variant", [
    {"algorithm": {"advantage": "drgrpo", "loss_agg": "seq-mean-token-sum-norm"}},
    {"algorithm": {"loss_agg": "token-mean", "clip_high": 0.28, "kl_coef": 0.05, "mini_batches": 2, "epochs": 2,
                   "micro_batch_tokens": 40}},
    {"algorithm": {"share_prompt": False, "mini_batches": 2, "micro_batch_tokens": 30}},
    {"algorithm": {"dynamic_sampling": True, "max_sampling_rounds": 2, "overlong_buffer": 3, "filter_truncated": True,
                   "entropy_coef": 0.01, "clip_ratio_c": 3.0}},
])
def test_rl_variants_run(tiny, tmp_path, variant):
    from train.grpo import main

    path, _, _ = tiny
    out = tmp_path / "out"
    assert main(["--config", str(_write_config(tmp_path / "p.yaml", out, path, steps=2, **variant))]) == 0
    rows = _rows(out / "runs" / "rl")
    assert len(rows) == 2
    alg = variant["algorithm"]
    for r in rows:
        assert all(v is None or v == v for v in r.values())  # no NaN
        if alg.get("kl_coef"):
            assert r["kl"] is not None and r["kl"] >= 0 and r["updates"] in (0, 4)
        else:
            assert r["kl"] is None
        if alg.get("dynamic_sampling"):
            # only groups with differing rewards are trained; a second round draws the missing ones
            assert r["groups_kept"] <= 4 and 4 <= r["groups_sampled"] <= 8
            assert r["samples_trained"] == 4 * r["groups_kept"]


def test_two_ranks_on_cpu(tiny, tmp_path):
    """Two processes (gloo): prompts split between ranks, dynamic sampling filled and trimmed to
    exactly prompts_per_step groups over both, every rank stepping together."""
    import socket
    import subprocess
    import sys

    path, _, _ = tiny
    cfg = _write_config(tmp_path / "p.yaml", tmp_path / "out", path, steps=2,
                        rollout={"prompts_per_step": 6}, eval={"every": 2, "n": 10},
                        algorithm={"dynamic_sampling": True, "max_sampling_rounds": 3, "mini_batches": 2,
                                   "micro_batch_tokens": 60})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-m", "train.cli", "rl", "--config", str(cfg)], cwd=root,
                              env={**os.environ, "RANK": str(r), "WORLD_SIZE": "2", "LOCAL_RANK": str(r),
                                   "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for r in (0, 1)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode(errors="replace")[-2000:]
    rows = _rows(tmp_path / "out" / "runs" / "rl")
    assert [r["step"] for r in rows] == [1, 2]
    for r in rows:
        assert r["updates"] == (2 if r["groups_kept"] else 0) and 6 <= r["groups_sampled"] <= 18
        if r["groups_kept"]:
            assert r["samples_trained"] == 4 * r["groups_kept"] and r["groups_kept"] <= 6
    assert json.loads((tmp_path / "out" / "runs" / "rl" / "eval.jsonl").read_text().splitlines()[-1])["eval_n"] == 10


def test_resume_is_bit_exact(tiny, tmp_path):
    from safetensors.torch import load_file

    from train.grpo import main

    path, _, _ = tiny
    common = dict(steps=4, save_every=2, rollout={"temperature": 1.0}, algorithm={"mini_batches": 2})
    straight = _write_config(tmp_path / "a.yaml", tmp_path / "a", path, **common)
    assert main(["--config", str(straight)]) == 0
    split = _write_config(tmp_path / "b.yaml", tmp_path / "b", path, **common)
    assert main(["--config", str(split), "--stop-at", "3"]) == 0  # checkpoint at 2 and at 3
    # Simulate a crash after step 3's checkpoint was lost: resume from step 2.
    ckpts = tmp_path / "b" / "runs" / "rl" / "checkpoints"
    (ckpts / "latest").write_text("step00000002")
    assert main(["--config", str(split), "--resume"]) == 0
    wa = load_file(tmp_path / "a" / "runs" / "rl" / "hf" / "model.safetensors")
    wb = load_file(tmp_path / "b" / "runs" / "rl" / "hf" / "model.safetensors")
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
    strip = lambda r: {k: v for k, v in r.items() if not k.startswith("time_") and k != "samples_per_s"}  # noqa: E731
    assert [strip(r) for r in _rows(tmp_path / "a" / "runs" / "rl")] == [strip(r) for r in _rows(tmp_path / "b" / "runs" / "rl")]
    # A finished run refuses a plain rerun into the same folder; a changed config refuses --resume.
    assert main(["--config", str(split)]) == 2
    assert main(["--config", str(split), "--resume", "--set", "rl.algorithm.clip_high=0.3"]) == 2


# --------------------------------------------------------------------------------------------
# The honest check: GRPO makes a weak policy clearly better on the toy task
# --------------------------------------------------------------------------------------------


def _sft_until(model, tok, texts, prompts, golds, target: float, lr: float = 2e-3, batch: int = 32, max_steps: int = 600):
    """Brief supervised training on worked examples, stopped as soon as the policy's sampled
    accuracy (temperature 1, the RL rollout setting) reaches `target`: it then emits the
    \\boxed{} format but is right only about that often. Returns (steps, sampled accuracy)."""
    import random

    from train.answers import check_answer

    ids = [tok(t)["input_ids"] + [tok.eos_token_id] for t in texts]
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    rng = random.Random(0)
    for step in range(1, max_steps + 1):
        rows = rng.sample(ids, batch)
        width = max(map(len, rows))
        x = torch.full((batch, width), tok.pad_token_id)
        labels = torch.full((batch, width), -100)
        for i, r in enumerate(rows):
            x[i, : len(r)] = torch.tensor(r)
            labels[i, : len(r)] = torch.tensor(r)
        model.train()
        loss = model(input_ids=x, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step >= 40 and step % 5 == 0:
            b = HFRollout(model, tok, batch_size=400).generate(prompts, 4, 24, temperature=1.0, stop=["\nQuestion:"], seed=1)
            acc = sum(check_answer(t, golds[g], "number").correct for t, g in zip(b.texts, b.group)) / len(b)
            if acc >= target:
                return step, acc
    raise AssertionError(f"supervised warm-up never reached sampled accuracy {target}")


@pytest.mark.slow
def test_grpo_raises_accuracy_on_the_toy_task(tmp_path, capsys):
    """A tiny Llama (hidden 128, 2 layers) is trained briefly on worked examples of single-digit
    addition word problems until its sampled accuracy reaches 20%, then `octo-train rl` runs 60
    GRPO steps on other problems of the same kind. Accuracy must rise clearly: the rollouts'
    (temperature 1, what GRPO optimises) and the greedy accuracy on 200 held-out problems."""
    from train.grpo import main
    from train.tokenizer import train_bpe

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        texts = _toy_texts(4000)
        tok = train_bpe(texts, 1024)
        model = _tiny_llama(tok, hidden=128, layers=2, seed=0)
        held_out = load_rl_problems("toy", toy_n=100, toy_seed=99)
        sft_steps, sft_acc = _sft_until(model, tok, texts, [QA.replace("{question}", p.question) for p in held_out],
                                        [p.gold for p in held_out], target=0.2)
        model.save_pretrained(tmp_path / "sft")
        tok.save_pretrained(tmp_path / "sft")
        cfg = _write_config(
            tmp_path / "p.yaml", tmp_path / "out", tmp_path / "sft", steps=60, reward={"no_answer": -1.0},
            data={"source": "toy", "toy_n": 2000, "toy_seed": 1},
            rollout={"prompts_per_step": 32, "samples_per_prompt": 16, "temperature": 1.0, "max_response_len": 32,
                     "batch_size": 512},
            algorithm={"loss_agg": "token-mean", "mini_batches": 4, "epochs": 2},
            optim={"lr": 3e-4, "warmup_steps": 20, "weight_decay": 0.0},
            eval={"every": 5, "n": 200, "toy_seed": 12345},
        )
        assert main(["--config", str(cfg)]) == 0
    finally:
        torch.set_num_threads(threads)
    run = tmp_path / "out" / "runs" / "rl"
    rows = _rows(run)
    evals = [json.loads(line) for line in (run / "eval.jsonl").read_text().splitlines()]
    first = sum(r["accuracy"] for r in rows[:5]) / 5
    last = sum(r["accuracy"] for r in rows[-5:]) / 5
    eval0, eval_end = evals[0]["eval_accuracy"], max(e["eval_accuracy"] for e in evals[-3:])
    with capsys.disabled():
        print(f"\n[toy GRPO] warm-up {sft_steps} steps (sampled acc {sft_acc:.2f}); rollout accuracy "
              f"{first:.3f} (steps 1-5) -> {last:.3f} (steps 56-60); greedy eval {eval0:.3f} -> {eval_end:.3f} "
              f"(best of the last 3); reward {rows[0]['reward_mean']:+.3f} -> {rows[-1]['reward_mean']:+.3f}; "
              f"{sum(r['time_step'] for r in rows):.0f}s of GRPO steps")
    assert first <= 0.30
    assert last >= 0.40 and last >= 1.6 * first
    assert eval_end >= 0.55 and eval_end >= eval0 + 0.15


TOY_RECIPE = """
output: {out}
executor: {{type: local, tasks: 1, workers: 1}}
pipelines:
  mix:
    tokenizer: {{vocab_size: 1024}}
    seq_len: 128
    mixes: [toy_sft]
mixes:
  toy_sft:
    phase: stable
    sources:
      - {{name: toy_addition, weight: 1.0, generate: {{style: toy, n: 4000, seed: 0}}, template: qa}}
train:
  model:
    init: {{hidden_size: 128, intermediate_size: 512, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4}}
  precision: fp32
  zero_stage: 0
  micro_batch_size: 16
  lr: 2.0e-3
  weight_decay: 0.0
  steps: 125
  save_every: 1000
rl:
  model: runs/toy_sft
  steps: 60
  data: {{source: toy, toy_n: 2000, toy_seed: 1}}
  prompt: {{template: qa}}
  rollout: {{prompts_per_step: 32, samples_per_prompt: 16, temperature: 1.0, max_response_len: 32, batch_size: 512}}
  algorithm: {{loss_agg: token-mean, mini_batches: 4, epochs: 2}}
  optim: {{lr: 3.0e-4, warmup_steps: 20, weight_decay: 0.0}}
  eval: {{every: 10, n: 200}}
  precision: fp32
  reward_workers: 1
  save_every: 30
"""


@pytest.mark.slow
def test_toy_recipe_end_to_end(tmp_path, capsys):
    """The recipe the committed pipelines.yaml runs: pack generated worked examples (mix),
    mid-train a tiny Llama on them with `octo-train --mix`, then `octo-train rl`: reward rises."""
    from curation.cli import main as curate
    from train.cli import main as octo_train

    cfg = tmp_path / "pipelines.yaml"
    cfg.write_text(TOY_RECIPE.format(out=tmp_path / "out"))
    assert curate(["run", str(cfg), "--only", "mix"]) == 0
    assert octo_train(["--mix", "toy_sft", "--config", str(cfg)]) == 0
    assert octo_train(["rl", "--config", str(cfg)]) == 0
    run = tmp_path / "out" / "runs" / "rl"
    rows = _rows(run)
    evals = [json.loads(line)["eval_accuracy"] for line in (run / "eval.jsonl").read_text().splitlines()]
    first = sum(r["reward_mean"] for r in rows[:5]) / 5
    last = sum(r["reward_mean"] for r in rows[-5:]) / 5
    with capsys.disabled():
        print(f"\n[toy recipe] reward {first:+.3f} (steps 1-5) -> {last:+.3f} (steps 56-60); rollout accuracy "
              f"{sum(r['accuracy'] for r in rows[:5]) / 5:.3f} -> {sum(r['accuracy'] for r in rows[-5:]) / 5:.3f}; "
              f"greedy eval {' '.join(f'{e:.2f}' for e in evals)}; {sum(r['time_step'] for r in rows):.0f}s of GRPO steps")
    assert last >= first + 0.3
    assert max(evals[-2:]) >= evals[0] + 0.15
