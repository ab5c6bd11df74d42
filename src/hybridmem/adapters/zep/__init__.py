"""Zep Cloud (REST v4): chat history, the temporal graph, users."""
