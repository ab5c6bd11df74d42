"""Requests the official Mem0 Python SDK 2.2.1 sent (method, path, query, auth, headers,
JSON body), captured against a recording server: the wire shapes the Mem0 adapter's
contract tests compare with. Transcribed as is, in capture order."""

from __future__ import annotations

from typing import Any

SDK_REQUESTS: list[dict[str, Any]] = [
    {
        "method": "GET",
        "path": "/v1/ping/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "POST",
        "path": "/v3/memories/add/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {
            "messages": [{"role": "user", "content": "I live in Delhi"}],
            "user_id": "alice",
            "agent_id": "bot",
            "run_id": "s1",
            "metadata": {"src": "chat"},
            "infer": True,
            "async_mode": True,
            "version": "v2",
        },
    },
    {
        "method": "POST",
        "path": "/v3/memories/add/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {
            "messages": [{"role": "user", "content": "I live in Delhi"}],
            "filters": {"user_id": "alice"},
            "infer": False,
        },
    },
    {
        "method": "POST",
        "path": "/v3/memories/search/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {
            "query": "Where do I live?",
            "filters": {"AND": [{"user_id": "alice"}]},
            "top_k": 5,
            "threshold": 0.3,
            "rerank": True,
        },
    },
    {
        "method": "POST",
        "path": "/v3/memories/",
        "query": {"page": ["2"], "page_size": ["50"]},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"filters": {"user_id": "alice"}},
    },
    {
        "method": "POST",
        "path": "/v3/memories/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"filters": {"user_id": "alice"}},
    },
    {
        "method": "GET",
        "path": "/v1/memories/mem-1/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "PUT",
        "path": "/v1/memories/mem-1/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"text": "I live in Mumbai", "metadata": {"k": "v"}},
    },
    {
        "method": "DELETE",
        "path": "/v1/memories/mem-1/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "DELETE",
        "path": "/v1/memories/mem-1/",
        "query": {"delete_linked": ["true"]},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "DELETE",
        "path": "/v1/memories/",
        "query": {"user_id": ["alice"]},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "GET",
        "path": "/v1/memories/mem-1/history/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "GET",
        "path": "/v1/entities/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "DELETE",
        "path": "/v2/entities/user/alice/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "PUT",
        "path": "/v1/batch/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"memories": [{"memory_id": "mem-1", "text": "x"}]},
    },
    {
        "method": "DELETE",
        "path": "/v1/batch/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"memories": [{"memory_id": "mem-1"}]},
    },
    {
        "method": "POST",
        "path": "/v1/feedback/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"memory_id": "mem-1", "feedback": "POSITIVE", "feedback_reason": "good"},
    },
    {
        "method": "DELETE",
        "path": "/v1/memories/",
        "query": {"filters": ["{'user_id': 'alice'}"]},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "GET",
        "path": "/v1/ping/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": None,
    },
    {
        "method": "POST",
        "path": "/v3/memories/add/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"messages": [{"role": "user", "content": "I live in Delhi"}], "user_id": "alice"},
    },
    {
        "method": "POST",
        "path": "/v3/memories/search/",
        "query": {},
        "auth": "Token m0-test",
        "hdrs": {
            "Mem0-User-ID": "e0e200997dca216672674163edfd3926",
            "X-Mem0-Client": "mem0-python/2.2.1",
        },
        "body": {"query": "Where do I live?", "filters": {"user_id": "alice"}},
    },
]


def captured(method: str, path: str, **where: Any) -> dict[str, Any]:
    """The first captured request with this method and path (and these field values)."""
    for request in SDK_REQUESTS:
        if (
            request["method"] == method
            and request["path"] == path
            and all(request.get(key) == value for key, value in where.items())
        ):
            return request
    raise LookupError(f"no captured request {method} {path} {where}")
