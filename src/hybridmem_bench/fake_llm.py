"""An OpenAI-compatible chat server that answers after a fixed delay.

Benchmark harness (``hybridmem bench chat``/``load``) and test double: it isolates the
service's own overhead from model time. Loopback only.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class FakeChatBehaviour:
    """What the fake answers; tests change it between calls."""

    delay_seconds: float = 0.0
    reply: str = "This is a benchmark reply from a fake model."
    status: int = 200
    error_body: dict[str, Any] | None = None
    retry_after: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)


def _usage(prompt: str, reply: str) -> dict[str, int]:
    prompt_tokens, completion_tokens = max(1, len(prompt) // 4), max(1, len(reply.split()))
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def build_app(behaviour: FakeChatBehaviour) -> Starlette:
    """The ASGI app of the fake."""

    async def completions(request: Request) -> Response:
        body = await request.json()
        behaviour.requests.append({"headers": dict(request.headers), "body": body})
        await asyncio.sleep(behaviour.delay_seconds)
        if behaviour.status != 200:
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else None
            error = behaviour.error_body or {
                "error": {"message": "fake failure", "code": behaviour.status}
            }
            return JSONResponse(error, status_code=behaviour.status, headers=headers)
        prompt = json.dumps(body.get("messages", []))
        usage = _usage(prompt, behaviour.reply)
        model = body.get("model", "fake")
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": behaviour.reply},
                        }
                    ],
                    "usage": usage,
                }
            )

        async def chunks() -> AsyncIterator[bytes]:
            base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": model}
            words = behaviour.reply.split(" ")
            for index, word in enumerate(words):
                piece = word if index == 0 else " " + word
                chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}}]}
                yield f"data: {json.dumps(chunk)}\n\n".encode()
            final = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            yield f"data: {json.dumps(final)}\n\n".encode()
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
            yield b"data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


class FakeChatServer:
    """Runs the fake on a free loopback port in a background thread."""

    def __init__(self, behaviour: FakeChatBehaviour | None = None) -> None:
        self.behaviour = behaviour or FakeChatBehaviour()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            build_app(self.behaviour),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (ends in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeChatServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake model server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextmanager
def fake_chat_process(delay_seconds: float) -> Iterator[str]:
    """Run the fake in its own process (so it does not share the load generator's
    interpreter); yield its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "hybridmem_bench.fake_llm", str(port), str(delay_seconds)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("fake model process did not start") from None
                time.sleep(0.05)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    listen_port, delay = int(sys.argv[1]), float(sys.argv[2])
    uvicorn.run(
        build_app(FakeChatBehaviour(delay_seconds=delay)),
        host="127.0.0.1",
        port=listen_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
