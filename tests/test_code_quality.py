"""The code stays lint-clean, typed and inside its layers (part of the test command,
so CI enforces it). Needs the ``lint`` extra (``pip install -e '.[dev]'``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    executable = BIN / tool if (BIN / tool).exists() else shutil.which(tool)
    if executable is None:
        pytest.fail(f"{tool} is not installed: pip install -e '.[dev]'")
    return subprocess.run(
        [str(executable), *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_lint():
    result = run("ruff", "check", "src", "tests", "noxfile.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run("ruff", "format", "--check", "src", "tests", "noxfile.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy():
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_linter_contracts():
    result = run("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr
