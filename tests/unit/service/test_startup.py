"""Startup keeps the event loop running: the slow imports (Agno with the OpenAI and Gemini
SDKs, seconds on a busy machine) happen off it, so the database pool that opens next to
them is not starved into its timeout."""

from __future__ import annotations

import subprocess
import sys

# Run in a fresh interpreter: the import under test must not have happened yet.
_SCRIPT = """
import asyncio, sys
from hybridmem.service.resources import openai_compatible_model_resource
from hybridmem.service.settings import Settings

async def main():
    assert "agno" not in sys.modules
    ticks = 0

    async def heartbeat():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)
    settings = Settings(_env_file=None, env="test", llm="openai", llm_base_url="http://127.0.0.1:9/v1")
    resource = openai_compatible_model_resource(settings)
    before = ticks
    model = await anext(resource)
    during = ticks - before
    await resource.aclose()
    beat.cancel()
    print(during, "agno" in sys.modules, type(model).__name__)

asyncio.run(main())
"""


def test_the_language_model_is_imported_off_the_event_loop():
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    ticks, imported, model = result.stdout.split()
    assert (imported, model) == ("True", "AgnoLanguageModel")
    # Blocking the loop for the import, the heartbeat never ran while it took place; the
    # count is not a timing (any number above zero says the loop kept running).
    assert int(ticks) > 0, result.stdout
