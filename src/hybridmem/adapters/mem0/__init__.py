"""Mem0 Platform (REST): the fact memory.

``client`` (``mem0_http_client``, ``Mem0Client``), ``facts`` (``Mem0FactMemory``),
``users`` (``Mem0UserDirectory``); ``mapping``, ``events`` and ``ids`` are internals.
"""
