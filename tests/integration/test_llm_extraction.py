"""Model-based extraction (enabled), with the scripted model: facts through the same
normalizer; malformed output is counted and the rule result stands."""

from __future__ import annotations

import pytest

from hybridmem.domain.errors import UpstreamUnavailable
from tests.conftest import make_settings
from tests.support.api import auth_headers, drain_jobs, say


@pytest.fixture
def settings():
    return make_settings(llm_extraction="on")


async def _facts(client, headers) -> set[tuple[str, str, str]]:
    items = (await client.get("/api/memory/facts", headers=headers)).json()["items"]
    return {(f["attribute"], f["value"], f["source"]) for f in items}


async def test_model_facts_are_normalized_and_stored(client, app, model):
    model.extraction = {
        "facts": [
            {"attribute": "works at", "value": " Globex Corp. ", "qualifier": None},
            {"attribute": "pets", "value": "Rex", "qualifier": "dogs"},
        ]
    }
    headers = await auth_headers(client, "llmuser")
    await say(client, headers, "s", "I live in Pune. Also, Globex pays my bills and Rex barks.")
    await drain_jobs(app)
    facts = await _facts(client, headers)
    assert ("location", "Pune", "rules") in facts
    assert ("employer", "Globex Corp", "llm") in facts
    assert ("pet", "Rex", "llm") in facts
    pet = next(
        f
        for f in (await client.get("/api/memory/facts", headers=headers)).json()["items"]
        if f["value"] == "Rex"
    )
    assert pet["qualifier"] == "dog"


@pytest.mark.parametrize(
    "answer",
    [{"nope": 1}, {"facts": "many"}, {"facts": [{"attribute": 3, "value": None}]}],
)
async def test_malformed_model_output_is_counted_and_rules_stand(client, app, model, answer):
    model.extraction = answer
    headers = await auth_headers(client, "malformed")
    await say(client, headers, "s", "I live in Pune.")
    await drain_jobs(app)
    assert ("location", "Pune", "rules") in await _facts(client, headers)
    metrics = (await client.get("/metrics")).text
    assert 'hybridmem_events_total{event="llm_extraction_malformed"} 1.0' in metrics
    dead = (await client.get("/metrics")).text
    assert 'event="job_dead"' not in dead


async def test_model_outage_retries_the_llm_job_only(client, app, model):
    model.fail_with = UpstreamUnavailable("down", upstream="model")
    headers = await auth_headers(client, "outage")
    await say(client, headers, "s", "I live in Pune.")
    await drain_jobs(app)
    assert ("location", "Pune", "rules") in await _facts(client, headers)
    metrics = (await client.get("/metrics")).text
    assert 'hybridmem_events_total{event="job_retried"} 1.0' in metrics
