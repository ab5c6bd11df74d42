"""hybridmem: long-term memory for chatbots.

Importing this package is cheap and side-effect free: it loads no web framework,
database driver or HTTP client and starts nothing. The web service lives in
``hybridmem.service`` and is built by ``hybridmem.service.app.create_app``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
