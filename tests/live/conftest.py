"""Tests against the real clouds. Each is skipped unless its keys are in the environment:
GEMINI_API_KEY, ZEP_API_KEY, MEM0_API_KEY. See docs/configuration.md#live-tests."""

from __future__ import annotations

import os

import pytest


def require(*names: str) -> dict[str, str]:
    """The named environment variables, or skip the test."""
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        pytest.skip(f"live test: set {', '.join(missing)} to run it")
    return {name: os.environ[name] for name in names}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/live/" in str(item.fspath):
            item.add_marker(pytest.mark.live)
