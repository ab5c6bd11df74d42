"""Adapters: each translates one outside system to and from domain types."""
