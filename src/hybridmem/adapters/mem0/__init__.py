"""Mem0 Platform (REST): the fact memory."""
