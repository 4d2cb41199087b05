"""backend: openai - any OpenAI-compatible server (vllm serve, SGLang, TGI, the OpenAI API).

aiohttp with one keep-alive connection per concurrent request. Bounded concurrency (a
semaphore of `llm.concurrency`); per-request timeout `llm.timeout_s`; on 429, 5xx, 408 and
connection errors, up to `llm.max_retries` retries with full-jitter exponential backoff, a
server's Retry-After honoured. Other 4xx answers are final for that request (prompt too long,
bad parameters), except 401/403/404, which say the key or model name is wrong: those come back
`retryable` so the pipeline stops instead of failing every document.

The sync `generate` runs the async client on an event loop in a background thread, kept for the
object's lifetime so connections are reused across batches; async callers use `agenerate`.
"""
from __future__ import annotations

import asyncio
import email.utils
import json
import os
import random
import threading
import time

from refine.llm import LLM, Generation, Messages, MaxTokens, OnResult, messages_to_text, per_request_max_tokens, render_chat

RETRY_STATUS = {408, 409, 425, 429}  # plus every 5xx
CONFIG_STATUS = {401, 403, 404}  # wrong key / model / URL: every request would fail alike
ERROR_SNIPPET = 300

try:  # orjson (installed with ray) is ~3x faster at this; json is the fallback
    import orjson

    def _dumps(obj) -> bytes:
        return orjson.dumps(obj)

    _loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment

    def _dumps(obj) -> bytes:
        return json.dumps(obj, ensure_ascii=False).encode("utf-8")

    _loads = json.loads


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """Wait before retry `attempt` (0-based): the server's Retry-After (plus a little jitter so a
    crowd of clients does not come back at once), else full jitter over base * 2**attempt."""
    if retry_after is not None:
        wait = min(cap, retry_after)
        return wait + random.uniform(0, 0.1 * max(wait, base))
    return random.uniform(0, min(cap, base * (2**attempt)))


def env_proxy(url: str) -> str | None:
    """The proxy that HTTP(S)_PROXY / NO_PROXY give for `url`, resolved once (aiohttp's
    trust_env would re-read the environment on every request)."""
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def parse_response(payload: bytes, api: str) -> tuple[str | None, int | None, int | None, str | None]:
    """(text, prompt_tokens, completion_tokens, finish_reason) of a chat/completions answer."""
    data = _loads(payload)
    choice = data["choices"][0]
    if api == "chat":
        text = (choice.get("message") or {}).get("content")
    else:
        text = choice.get("text")
    usage = data.get("usage") or {}
    return text, usage.get("prompt_tokens"), usage.get("completion_tokens"), choice.get("finish_reason")


class OpenAICompatibleLLM(LLM):
    backend = "openai"

    def __init__(self, cfg):
        if not cfg.base_url:
            raise ValueError("llm.base_url: required for backend 'openai' (e.g. http://127.0.0.1:8000/v1)")
        self.cfg = cfg
        self.base_url = cfg.base_url.rstrip("/")
        self.api = cfg.api
        self.url = f"{self.base_url}/chat/completions" if cfg.api == "chat" else f"{self.base_url}/completions"
        api_key = os.environ.get(cfg.api_key_env) or "EMPTY"
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"}
        self.proxy = env_proxy(self.url)
        self._tokenizer = None
        if cfg.api == "completions" and cfg.tokenizer:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(cfg.tokenizer)
        # One session per event loop: the background loop's for the sync API, and one for each
        # loop an async caller uses (closed by `aclose()` from that loop).
        self._sessions: dict = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        try:
            self.model_name = cfg.model or self._run(self._first_model())
        except BaseException:
            self.close()
            raise

    # -- the background loop behind the sync API ---------------------------------------------
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name="octo-llm-client", daemon=True)
            self._thread.start()
        return self._loop

    def _run(self, coro):
        future = asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def generate(self, requests: list[Messages], max_tokens: MaxTokens = None, on_result: OnResult = None) -> list[Generation]:
        return self._run(self.agenerate(requests, max_tokens, on_result))

    def close(self) -> None:
        if self._loop is not None:
            session = self._sessions.pop(self._loop, None)
            if session is not None:
                asyncio.run_coroutine_threadsafe(session.close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._loop = self._thread = None
        self._sessions = {loop: sess for loop, sess in self._sessions.items() if not loop.is_closed()}

    async def aclose(self) -> None:
        """Close the session of the calling event loop (async callers of `agenerate`)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()

    def __getstate__(self):  # a live client is never pickled; a copy reconnects lazily
        state = self.__dict__.copy()
        state.update(_sessions={}, _loop=None, _thread=None)
        return state

    # -- async core ----------------------------------------------------------------------------
    async def _get_session(self):
        import aiohttp

        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(limit=self.cfg.concurrency, limit_per_host=0, ttl_dns_cache=300)
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.cfg.timeout_s),
                skip_auto_headers=("User-Agent",),
            )
            self._sessions[loop] = session
        return session

    async def _first_model(self) -> str:
        import aiohttp

        session = await self._get_session()
        try:
            async with session.get(f"{self.base_url}/models", headers=self.headers, proxy=self.proxy) as resp:
                body = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            raise ValueError(f"llm.model: not set, and {self.base_url}/models could not be reached ({e.__class__.__name__})") from None
        if status != 200:
            raise ValueError(f"llm.model: not set, and {self.base_url}/models answered HTTP {status}")
        models = _loads(body).get("data") or []
        if not models:
            raise ValueError(f"llm.model: not set, and {self.base_url}/models lists no model")
        return models[0]["id"]

    def _body(self, messages: Messages, max_tokens: int) -> bytes:
        cfg = self.cfg
        body = {"model": self.model_name, "max_tokens": max_tokens, "temperature": cfg.temperature, "top_p": cfg.top_p, "seed": cfg.seed}
        if self.api == "chat":
            body["messages"] = messages
        else:
            body["prompt"] = render_chat(self._tokenizer, messages)[0] if self._tokenizer else messages_to_text(messages)
        return _dumps(body)

    async def agenerate(self, requests: list[Messages], max_tokens: MaxTokens = None, on_result: OnResult = None) -> list[Generation]:
        session = await self._get_session()
        limits = per_request_max_tokens(len(requests), max_tokens, self.cfg.max_tokens)
        slots = asyncio.Semaphore(self.cfg.concurrency)

        async def one(i: int) -> Generation:
            gen = await self._request(session, slots, self._body(requests[i], limits[i]))
            if on_result is not None:
                on_result(i, gen)
            return gen

        return list(await asyncio.gather(*(one(i) for i in range(len(requests)))))

    async def _request(self, session, slots: asyncio.Semaphore, body: bytes) -> Generation:
        import aiohttp

        cfg = self.cfg
        started = time.perf_counter()
        error = "no attempt"
        for attempt in range(cfg.max_retries + 1):
            retry_after = None
            try:
                async with slots:
                    async with session.post(self.url, data=body, headers=self.headers, proxy=self.proxy) as resp:
                        status = resp.status
                        payload = await resp.read()
                        if status != 200:
                            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                if status == 200:
                    try:
                        text, t_in, t_out, finish = parse_response(payload, self.api)
                    except (ValueError, KeyError, IndexError, TypeError) as e:
                        error = f"bad response: {e.__class__.__name__}: {payload[:ERROR_SNIPPET]!r}"
                    else:
                        return Generation(text, t_in, t_out, time.perf_counter() - started, finish_reason=finish)
                else:
                    snippet = payload[:ERROR_SNIPPET].decode("utf-8", "replace").strip()
                    error = f"http {status}: {snippet}"
                    if status < 500 and status not in RETRY_STATUS:
                        return Generation(None, None, None, time.perf_counter() - started, error=error, retryable=status in CONFIG_STATUS)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
                error = f"{e.__class__.__name__}: {e}".strip().rstrip(":") if str(e) else e.__class__.__name__
            if attempt < cfg.max_retries:
                await asyncio.sleep(backoff_delay(attempt, cfg.retry_base_s, cfg.retry_max_s, retry_after))
        return Generation(
            None, None, None, time.perf_counter() - started,
            error=f"{error} (gave up after {cfg.max_retries + 1} attempts)", retryable=True,
        )
