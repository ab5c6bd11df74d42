"""The 30-second soak: 50 users against one real server process (the 5-minute run is
`hybridmem bench soak`). No errors, no lost message, memory that does not keep growing."""

from __future__ import annotations

from hybridmem_bench.soak import run_soak


async def test_thirty_second_soak():
    report = await run_soak(
        users=50, seconds=30, model_delay=0.1, think_seconds=1.0, database_url=None
    )
    # A floor proving every user got past signup and login into the loop, not a
    # throughput: that depends on the machine (a loaded 2-core one managed 342 requests
    # where an idle one makes over 1,000), and `hybridmem bench soak` measures it.
    assert report["requests"] >= 3 * report["users"], report
    assert report["errors"] == 0, (report["endpoints"], report["failure_samples"])
    assert report["server_errors_5xx"] == 0, report["failure_samples"]
    assert report["transport_errors"] == 0, report["failure_samples"]
    messages = report["messages"]
    assert messages["acknowledged"] > 0
    assert messages["lost"] == 0
    assert messages["found_in_history"] == messages["acknowledged"]
    assert len(report["rss_mib"]) >= 5
    assert report["rss_stable"], report["rss_mib"]
