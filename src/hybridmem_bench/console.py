"""The ``hybridmem`` console script: the service's commands plus ``hybridmem bench …``.

Composed here so the product (``hybridmem.service.cli``) never imports the benchmark
harness; the harness depends on the product, not the other way round. Importing this
module needs only what the core needs (psutil and matplotlib, the ``bench`` extra, are
imported by the commands that use them).
"""

from __future__ import annotations

import typer

from hybridmem.service.cli import app as service_app
from hybridmem_bench.commands import bench_app


def compose() -> typer.Typer:
    """The service's command tree with the benchmark group added as ``bench``."""
    service_app.add_typer(bench_app, name="bench")
    return service_app


app = compose()


def main() -> None:
    """Entry point of the ``hybridmem`` console script."""
    app()
