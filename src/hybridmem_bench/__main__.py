"""``python -m hybridmem_bench`` is the ``hybridmem`` command with its ``bench`` group."""

from hybridmem_bench.console import main

main()
