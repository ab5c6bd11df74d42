"""The domain core stays pure: standard library and ``hybridmem.domain`` only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import hybridmem.domain

DOMAIN = Path(hybridmem.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))
# The clock and randomness enter through parameters, never through these.
IMPURE_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_domain_modules_import_only_the_standard_library_and_the_domain(path: Path) -> None:
    foreign = {
        name
        for name in _imports(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("hybridmem.domain")
        and name != "__future__"
    }
    assert foreign == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_domain_modules_read_no_clock_and_draw_no_randomness(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert "random" not in _imports(path)
    calls = {
        (node.func.value.id, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
    }
    assert calls & IMPURE_CALLS == set()
