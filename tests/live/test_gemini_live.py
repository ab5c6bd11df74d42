"""Gemini through the real API (needs GEMINI_API_KEY)."""

from __future__ import annotations

import os

from hybridmem.adapters.agno.model import AgnoLanguageModel, gemini_model
from hybridmem.domain.messages import Role
from hybridmem.ports.llm import ChatMessage, Completion, ModelInfo, TextDelta
from tests.live.conftest import require


def _model() -> AgnoLanguageModel:
    keys = require("GEMINI_API_KEY")
    model_id = os.environ.get("HYBRIDMEM_GEMINI_MODEL", "gemini-3.7-flash")
    return AgnoLanguageModel(
        gemini_model(model_id=model_id, api_key=keys["GEMINI_API_KEY"], timeout=60),
        ModelInfo(f"gemini:{model_id}", 1_000_000, True, True),
        structured="json_mode",
    )


async def test_gemini_answers_with_token_counts():
    completion = await _model().complete(
        "Answer in one word.", [ChatMessage(Role.USER, "What is the capital of France?")]
    )
    assert "paris" in completion.text.lower()
    assert completion.input_tokens > 0
    assert completion.output_tokens > 0


async def test_gemini_streams():
    events = [
        e
        async for e in _model().stream(
            "Be brief.", [ChatMessage(Role.USER, "Count from one to five in words.")]
        )
    ]
    assert isinstance(events[-1], Completion)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == events[-1].text


async def test_gemini_extracts_json():
    from hybridmem.application.llm_extraction import FACTS_SCHEMA, INSTRUCTIONS

    answer = await _model().extract(
        INSTRUCTIONS, "I live in Delhi and my dog is Bruno.", FACTS_SCHEMA
    )
    assert isinstance(answer.get("facts"), list)
    assert any("delhi" in str(f.get("value", "")).lower() for f in answer["facts"])
