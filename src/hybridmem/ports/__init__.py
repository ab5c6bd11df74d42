"""Interfaces the application needs from the outside world (typing.Protocol).

Each protocol documents its contract; every adapter of a port must pass that port's
contract test suite in ``tests/contract``.
"""
