"""``hybridmem bench load``: a short run against a real server (3 users × 3 s)."""

from __future__ import annotations

import pytest

from hybridmem_bench.load import drive, render_markdown, run_load_benchmark


@pytest.mark.parametrize("database", ["server"], indirect=True)
async def test_short_load_run_loses_nothing(database):
    report = await run_load_benchmark(
        users=3, seconds=3, model_delay=0.02, database_url=database.dsn
    )
    endpoints = report["endpoints"]
    assert set(endpoints) == {"signup", "login", "chat", "memory", "search"}
    assert endpoints["signup"]["requests"] == endpoints["login"]["requests"] == 3
    for name in ("chat", "memory", "search"):
        entry = endpoints[name]
        assert entry["requests"] > 0
        latency = entry["latency"]
        assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"]
    assert report["server_errors_5xx"] == 0
    assert report["cancelled_users"] == 0
    messages = report["messages"]
    assert messages["acknowledged"] == 2 * endpoints["chat"]["ok"] > 0
    assert messages["found_in_history"] == messages["acknowledged"]
    assert messages["lost"] == 0
    assert report["accounts_deleted"] == 3
    assert "| chat |" in render_markdown(report)


async def test_only_loopback_and_bounded():
    with pytest.raises(ValueError, match="loopback"):
        await drive("http://192.0.2.1:8000", users=1, seconds=1)
    with pytest.raises(ValueError, match="users"):
        await drive("http://127.0.0.1:9", users=10_000, seconds=1)
    with pytest.raises(ValueError, match="users"):
        await drive("http://127.0.0.1:9", users=1, seconds=3600)
