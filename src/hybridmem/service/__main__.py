"""``python -m hybridmem.service`` is the ``hybridmem`` command."""

from hybridmem.service.cli import main

main()
