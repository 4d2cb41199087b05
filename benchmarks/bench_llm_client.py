"""Requests/s of our openai backend vs the plain `openai` Python client (asyncio), same concurrency.

The server is a minimal HTTP/1.1 keep-alive server (asyncio protocol, this file) that answers
every POST at once with a fixed chat.completion, so the figure is the client's own ceiling: what
it costs us to drive a vLLM server. Client and server are pinned to different cores where the
machine has two, so the client runs on one core.

    python benchmarks/bench_llm_client.py [--requests 10000] [--concurrency 64] [--repeat 3]

Anchor: openai.AsyncOpenAI(...).chat.completions.create under asyncio.gather + a semaphore.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

ANSWER = json.dumps({
    "id": "cmpl-bench", "object": "chat.completion", "created": 0, "model": "bench",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "The answer is $x = 2$."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 42, "completion_tokens": 9, "total_tokens": 51},
}).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
    + f"Content-Length: {len(ANSWER)}\r\n\r\n".encode() + ANSWER
)
MODELS = json.dumps({"object": "list", "data": [{"id": "bench", "object": "model"}]}).encode()


class InstantHTTP(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and Content-Length bodies; every request gets RESPONSE."""

    def connection_made(self, transport):
        self.transport, self.buf = transport, b""

    def data_received(self, data):
        self.buf += data
        while True:
            head_end = self.buf.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buf[:head_end].lower()
            length = 0
            at = head.find(b"content-length:")
            if at >= 0:
                length = int(head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
            end = head_end + 4 + length
            if len(self.buf) < end:
                return
            self.buf = self.buf[end:]
            if head.startswith(b"get") and b"/models" in head[:80]:
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + f"Content-Length: {len(MODELS)}\r\n\r\n".encode() + MODELS)
            else:
                self.transport.write(RESPONSE)


def serve(port: int, core: int | None) -> None:
    if core is not None:
        os.sched_setaffinity(0, {core})
    try:
        import uvloop  # noqa: F401 - faster when present; the stdlib loop otherwise

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(InstantHTTP, "127.0.0.1", port, backlog=1024))
    loop.run_until_complete(server.serve_forever())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("bench server did not start")


MESSAGES = [{"role": "system", "content": "You are a mathematics editor."}, {"role": "user", "content": "Rewrite: the derivative of $x^2$ is $2x$. " * 20}]


def run_ours(base_url: str, n: int, concurrency: int) -> float:
    from curation.schema import LLMConfig
    from refine.llm import make_llm

    llm = make_llm(LLMConfig(backend="openai", base_url=base_url, model="bench", concurrency=concurrency, max_tokens=64))
    llm.generate([MESSAGES] * 200)  # warm the connections
    t0, c0 = time.perf_counter(), time.process_time()
    gens = llm.generate([MESSAGES] * n)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    llm.close()
    failed = sum(1 for g in gens if not g.ok)
    if failed:
        raise RuntimeError(f"ours: {failed} failed requests, e.g. {next(g.error for g in gens if not g.ok)}")
    return n / elapsed, n / cpu


def run_openai(base_url: str, n: int, concurrency: int) -> float:
    from openai import AsyncOpenAI

    async def main() -> float:
        client = AsyncOpenAI(base_url=base_url, api_key="EMPTY", max_retries=6, timeout=600)
        slots = asyncio.Semaphore(concurrency)

        async def one():
            async with slots:
                r = await client.chat.completions.create(model="bench", messages=MESSAGES, max_tokens=64, temperature=0.0)
                return r.choices[0].message.content

        await asyncio.gather(*(one() for _ in range(200)))
        t0, c0 = time.perf_counter(), time.process_time()
        out = await asyncio.gather(*(one() for _ in range(n)))
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert all(out)
        await client.close()
        return n / elapsed, n / cpu

    return asyncio.run(main())


def measure(fn, base_url, n, concurrency, core, queue):
    if core is not None:
        os.sched_setaffinity(0, {core})
    queue.put(fn(base_url, n, concurrency))


def in_process(fn, base_url, n, concurrency, core) -> tuple[float, float]:
    """Each measurement in a fresh process pinned to one core: no state carried between runs."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=measure, args=(fn, base_url, n, concurrency, core, q))
    p.start()
    rate = q.get(timeout=900)
    p.join()
    return rate


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    try:
        import openai
    except ImportError:
        print("bench_llm_client: the anchor needs the `openai` package (pip install -e '.[dev]'); skipped")
        return 0
    cores = sorted(os.sched_getaffinity(0))
    client_core, server_core = (cores[0], cores[1]) if len(cores) >= 2 else (None, None)
    port = free_port()
    ctx = mp.get_context("spawn")
    server = ctx.Process(target=serve, args=(port, server_core), daemon=True)
    server.start()
    try:
        wait_port(port)
        base_url = f"http://127.0.0.1:{port}/v1"
        ours, anchor = [], []
        for _ in range(args.repeat):
            ours.append(in_process(run_ours, base_url, args.requests, args.concurrency, client_core))
            anchor.append(in_process(run_openai, base_url, args.requests, args.concurrency, client_core))
    finally:
        server.terminate()
        server.join()
    import aiohttp

    def line(rates):
        wall = max(r[0] for r in rates)
        cpu = max(r[1] for r in rates)
        return wall, cpu, ", ".join(f"{r[0]:.0f}" for r in rates)

    ours_wall, ours_cpu, ours_runs = line(ours)
    anchor_wall, anchor_cpu, anchor_runs = line(anchor)
    print(f"input: {args.requests} chat requests (~1 KB each), concurrency {args.concurrency}, instant local server; "
          f"client pinned to core {client_core}, server to core {server_core}; best of {args.repeat}")
    print("req/s = requests per wall second; req/cpu-s = requests per CPU second of the client process "
          "(its one-core ceiling, steady when other work shares the machine)")
    print(f"ours   (refine.openai_backend, aiohttp {aiohttp.__version__}): {ours_wall:7.0f} req/s {ours_cpu:7.0f} req/cpu-s   runs: {ours_runs}")
    print(f"anchor (openai {openai.__version__} AsyncOpenAI + asyncio):     {anchor_wall:7.0f} req/s {anchor_cpu:7.0f} req/cpu-s   runs: {anchor_runs}")
    print(f"ratio ours/anchor: {ours_wall / anchor_wall:.1f}x wall, {ours_cpu / anchor_cpu:.1f}x cpu   "
          f"target >= 2000 req/s on one core: {'met' if max(ours_wall, ours_cpu) >= 2000 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
