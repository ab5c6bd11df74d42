"""A local fake of the Gemini REST API (generateContent and streamGenerateContent), for
contract tests of the Gemini adapter. Loopback only."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class GeminiBehaviour:
    delay_seconds: float = 0.0
    pieces: tuple[str, ...] = ("Hello", " from", " fake", " Gemini")
    status: int = 200
    error_message: str = "fake failure"
    error_status: str = "INTERNAL"
    prompt_tokens: int = 7
    requests: list[dict[str, Any]] = field(default_factory=list)


def _chunk(text: str, *, last: bool, behaviour: GeminiBehaviour) -> dict[str, Any]:
    chunk: dict[str, Any] = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "index": 0}],
        "modelVersion": "fake-gemini",
    }
    if last:
        chunk["candidates"][0]["finishReason"] = "STOP"
        chunk["usageMetadata"] = {
            "promptTokenCount": behaviour.prompt_tokens,
            "candidatesTokenCount": len(behaviour.pieces),
            "totalTokenCount": behaviour.prompt_tokens + len(behaviour.pieces),
        }
    return chunk


def build_app(behaviour: GeminiBehaviour) -> Starlette:
    async def generate(request: Request) -> Response:
        behaviour.requests.append(
            {
                "path": request.url.path,
                "query": dict(request.query_params),
                "headers": dict(request.headers),
                "body": await request.json(),
            }
        )
        await asyncio.sleep(behaviour.delay_seconds)
        if behaviour.status != 200:
            return JSONResponse(
                {
                    "error": {
                        "code": behaviour.status,
                        "message": behaviour.error_message,
                        "status": behaviour.error_status,
                    }
                },
                status_code=behaviour.status,
            )
        if request.url.path.endswith(":streamGenerateContent"):

            async def events():
                for index, piece in enumerate(behaviour.pieces):
                    last = index == len(behaviour.pieces) - 1
                    chunk = _chunk(piece, last=last, behaviour=behaviour)
                    yield f"data: {json.dumps(chunk)}\r\n\r\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        return JSONResponse(_chunk("".join(behaviour.pieces), last=True, behaviour=behaviour))

    return Starlette(
        routes=[
            Route("/{version}/models/{model_action:path}", generate, methods=["POST"]),
        ]
    )


class FakeGemini:
    def __init__(self) -> None:
        self.behaviour = GeminiBehaviour()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self._server = uvicorn.Server(
            uvicorn.Config(
                build_app(self.behaviour),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeGemini:
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            assert time.monotonic() < deadline, "fake Gemini did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
