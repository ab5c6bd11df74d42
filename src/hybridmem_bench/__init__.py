"""Benchmark harnesses behind ``hybridmem bench``: measurement code, not product code."""
