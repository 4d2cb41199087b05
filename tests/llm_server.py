"""A real OpenAI-compatible HTTP server for tests, generating with a tiny transformers model.

Shared by the refine tests (issue 5) and the LLM-annotation tests (issue 6). Three pieces:

    build_tiny_chat_model(path)   a random-weight LlamaForCausalLM + a BPE tokenizer trained here,
                                  with a chat template, saved with save_pretrained (seconds, CPU)
    running_server(model_dir, **faults) as srv:
        srv.base_url              "http://127.0.0.1:<port>/v1" - give it to llm.base_url
        srv.model                 the served model name (llm.model)
        srv.stats()               {"requests", "answered", "injected_failures", ...} from GET /stats
        srv.set_faults(**faults)  new fault knobs at run time (POST /faults); the counters restart
                                  at 0, so "first K requests" counts from here - one server serves
                                  many fault tests without a restart
        srv.kill()                SIGKILL the server (a crash, no clean shutdown)
    python tests/llm_server.py --model-dir DIR --port N [fault knobs]   (what running_server runs)

Endpoints: POST /v1/chat/completions (the chat template applied), POST /v1/completions,
GET /v1/models, GET /stats, GET /health, POST /faults. Greedy decoding when temperature is 0.

Fault knobs (running_server keyword = command-line flag):
    fail_first=K, fail_status=500|429|..., retry_after=S   the first K generation requests fail
                                                            (429 answers carry Retry-After: S)
    delay=S, slow_first=K                                  sleep S before answering the first K
                                                            requests (all when slow_first=None)
    die_after=N                                            after N answers, the next generation
                                                            request kills the process (os._exit)
    served_name=NAME                                       the model id to serve (default "tiny-llm")
    answer_rules='[["substring", "answer"], ...]'          (JSON) answer the first rule whose substring
                                                            the prompt contains instead of generating
                                                            ("" matches every prompt: a fixed answer)
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
SPECIAL_TOKENS = ["<s>", "</s>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>"]

_CORPUS = [
    "The derivative of $x^2$ is $2x$, and the integral of $2x\\,dx$ is $x^2 + C$.",
    "Let $a$ and $b$ be real numbers with $a + b = 10$ and $ab = 21$. Then $a = 3$ or $a = 7$.",
    "A triangle with sides 3, 4 and 5 is a right triangle because $3^2 + 4^2 = 5^2$.",
    "Theorem. Every bounded monotone sequence of real numbers converges.",
    "Solve for x: 2x + 3 = 11, so 2x = 8 and x = 4. The answer is \\boxed{4}.",
    "Click here to subscribe to our newsletter. Cookie policy. Home | About | Contact",
    "The probability of rolling two sixes with two fair dice is 1/36.",
    "Proof: suppose $\\sqrt{2} = p/q$ in lowest terms; then $p^2 = 2q^2$, so p is even.",
    "In this lesson we learn how to add fractions with different denominators.",
    "Here is the rewritten text. I'm sorry, I cannot help with that request.",
]


def build_tiny_chat_model(path: str, seed: int = 0, vocab_size: int = 512) -> str:
    """A random-weight Llama with a chat-templated BPE tokenizer trained on a few sentences."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(_CORPUS * 20, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(path)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192,
        bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(path)
    return path


# ---------------------------------------------------------------------------------- server side
class TinyGenerator:
    def __init__(self, model_dir: str):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(1)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir).eval()

    def __call__(self, prompt: str, templated: bool, max_tokens: int, temperature: float, seed: int):
        torch = self.torch
        enc = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=not templated)
        n_in = enc["input_ids"].shape[1]
        kwargs = {"max_new_tokens": max(1, max_tokens), "pad_token_id": self.tokenizer.pad_token_id}
        if temperature > 0:
            torch.manual_seed(seed)
            kwargs.update(do_sample=True, temperature=temperature)
        else:
            kwargs.update(do_sample=False)
        with torch.no_grad():
            out = self.model.generate(**enc, **kwargs)[0, n_in:].tolist()
        eos = self.tokenizer.eos_token_id
        finish = "length"
        if eos in out:
            out = out[: out.index(eos)]
            finish = "stop"
        return self.tokenizer.decode(out, skip_special_tokens=True), n_in, len(out), finish


def serve(args) -> None:
    from aiohttp import web

    generator = TinyGenerator(args.model_dir)
    counters = {"requests": 0, "answered": 0, "injected_failures": 0, "delayed": 0}
    lock = asyncio.Lock()  # one generation at a time: the model is not re-entrant
    faults = vars(args).copy()  # the knobs now in force; POST /faults replaces them
    faults["answer_rules"] = json.loads(args.answer_rules) if args.answer_rules else []

    def error(status: int, message: str, headers=None):
        return web.json_response({"error": {"message": message, "type": "injected", "code": status}}, status=status, headers=headers)

    async def generate(request: web.Request, kind: str):
        counters["requests"] += 1
        n = counters["requests"]
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return error(400, "body is not JSON")
        if body.get("model") != args.served_name:
            return error(404, f"model {body.get('model')!r} does not exist")
        if faults["die_after"] is not None and counters["answered"] >= faults["die_after"]:
            os._exit(1)  # a crash: in-flight requests see their connection drop
        if n <= faults["fail_first"]:
            counters["injected_failures"] += 1
            headers = {"Retry-After": str(faults["retry_after"])} if faults["retry_after"] is not None else None
            return error(faults["fail_status"], f"injected failure {n}", headers)
        if faults["delay"] and (faults["slow_first"] is None or n <= faults["slow_first"]):
            counters["delayed"] += 1
            await asyncio.sleep(faults["delay"])
        max_tokens = int(body.get("max_tokens") or 16)
        temperature = float(body.get("temperature") or 0.0)
        seed = int(body.get("seed") or 0)
        if kind == "chat":
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                return error(400, "messages must be a non-empty list")
            prompt = generator.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            templated = True
        else:
            prompt = body.get("prompt")
            if not isinstance(prompt, str):
                return error(400, "prompt must be a string")
            templated = False
        canned = next((a for sub, a in faults["answer_rules"] if sub in prompt), None)
        if canned is not None:
            text, n_in, n_out, finish = canned, len(prompt.split()), len(canned.split()), "stop"
        else:
            async with lock:
                text, n_in, n_out, finish = await asyncio.to_thread(generator, prompt, templated, max_tokens, temperature, seed)
        counters["answered"] += 1
        choice = {"index": 0, "finish_reason": finish}
        if kind == "chat":
            choice["message"] = {"role": "assistant", "content": text}
        else:
            choice["text"] = text
        return web.json_response({
            "id": f"cmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion" if kind == "chat" else "text_completion",
            "created": int(time.time()),
            "model": args.served_name,
            "choices": [choice],
            "usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out},
        })

    async def chat(request):
        return await generate(request, "chat")

    async def completions(request):
        return await generate(request, "completions")

    async def models(request):
        return web.json_response({"object": "list", "data": [{"id": args.served_name, "object": "model", "owned_by": "octo-tests"}]})

    async def stats(request):
        return web.json_response(counters)

    async def health(request):
        return web.Response(text="ok")

    async def set_faults(request):
        new = await request.json()
        unknown = set(new) - set(FAULT_DEFAULTS)
        if unknown:
            return error(400, f"unknown fault knob(s) {sorted(unknown)}")
        faults.update(FAULT_DEFAULTS, **new)
        counters.update(dict.fromkeys(counters, 0))
        return web.json_response(faults)

    app = web.Application()
    app.add_routes([
        web.post("/v1/chat/completions", chat),
        web.post("/v1/completions", completions),
        web.get("/v1/models", models),
        web.get("/stats", stats),
        web.get("/health", health),
        web.post("/faults", set_faults),
    ])
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


FAULT_DEFAULTS = {"fail_first": 0, "fail_status": 500, "retry_after": None, "delay": 0.0, "slow_first": None,
                  "die_after": None, "answer_rules": []}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-dir", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--served-name", default="tiny-llm")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--fail-status", type=int, default=500)
    p.add_argument("--retry-after", type=float, default=None)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--slow-first", type=int, default=None)
    p.add_argument("--die-after", type=int, default=None)
    p.add_argument("--answer-rules", default=None)
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------- test side
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerHandle:
    def __init__(self, proc: subprocess.Popen, port: int, model: str):
        self.proc, self.port, self.model = proc, port, model
        self.base_url = f"http://127.0.0.1:{port}/v1"

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as r:
            return json.loads(r.read())

    def set_faults(self, **faults) -> dict:
        """Replace the fault knobs (unnamed ones go back to no fault) and zero the counters."""
        if isinstance(faults.get("answer_rules"), str):
            faults["answer_rules"] = json.loads(faults["answer_rules"])
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/faults", data=json.dumps(faults).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def _wait_ready(proc: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llm_server exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"llm_server did not answer on port {port} within {timeout:.0f}s")


@contextlib.contextmanager
def running_server(model_dir: str, port: int | None = None, served_name: str = "tiny-llm", ready_timeout: float = 120, **faults):
    """Start tests/llm_server.py in a subprocess on 127.0.0.1; yields a ServerHandle; stops it on exit.

    `faults` are the knobs named in the module docstring (fail_first, fail_status, retry_after,
    delay, slow_first, die_after, answer_rules).
    """
    port = port or free_port()
    cmd = [sys.executable, os.path.abspath(__file__), "--model-dir", str(model_dir), "--port", str(port), "--served-name", served_name]
    for key, value in faults.items():
        if value is not None:
            cmd += [f"--{key.replace('_', '-')}", str(value)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    # stderr to a file, not a pipe: an unread pipe fills up and stalls the server.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        try:
            _wait_ready(proc, port, ready_timeout)
        except RuntimeError as e:
            log.seek(0)
            raise RuntimeError(f"{e}\n{log.read().decode(errors='replace')[-2000:]}") from None
        yield ServerHandle(proc, port, served_name)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


if __name__ == "__main__":
    serve(parse_args())
