"""hybridmem: long-term memory for chatbots.

Importing this package is cheap and side-effect free: it loads no web framework,
database driver or HTTP client and starts nothing. The web service lives in
``hybridmem.service`` and is built by ``hybridmem.service.app.create_app``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager
    from pathlib import Path

    from hybridmem.service.library import Memory

__version__ = "0.1.0"

__all__ = ["__version__", "open_memory"]


def open_memory(
    dsn: str | None = None, *, data_dir: str | Path | None = None, **settings: Any
) -> AbstractAsyncContextManager[Memory]:
    """Open long-term memory over a PostgreSQL DSN, or an embedded PostgreSQL in
    ``data_dir`` when no DSN is given. Use as ``async with open_memory(dsn) as memory:``.

    Extra keyword arguments are settings (see docs/configuration.md), e.g.
    ``context_budget_tokens=800``. The heavy imports happen here, not on ``import hybridmem``.
    """
    from hybridmem.service.library import open_memory as _open_memory

    return _open_memory(dsn, data_dir=data_dir, **settings)
