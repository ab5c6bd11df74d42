"""The memory router: read plans per intent, write plans per role."""

from __future__ import annotations

import pytest

from hybridmem.domain.attributes import Attribute
from hybridmem.domain.messages import Role
from hybridmem.domain.router import DEFAULT_READS, Intent, plan_read, plan_write
from hybridmem.domain.stores import Store


@pytest.mark.parametrize(
    ("query", "intent", "attributes"),
    [
        ("Where do I live?", Intent.PERSONAL_FACT, {Attribute.LOCATION}),
        ("what do I do for work", Intent.PERSONAL_FACT, {Attribute.OCCUPATION, Attribute.EMPLOYER}),
        ("How old am I?", Intent.PERSONAL_FACT, {Attribute.AGE}),
        ("What's my name?", Intent.PERSONAL_FACT, {Attribute.NAME}),
        ("Am I allergic to anything?", Intent.PERSONAL_FACT, {Attribute.ALLERGIES}),
        ("What languages do I speak?", Intent.PERSONAL_FACT, {Attribute.LANGUAGES}),
        ("what's my dog called", Intent.RELATIONAL, {Attribute.PET}),
        ("Who is my sister?", Intent.RELATIONAL, {Attribute.FAMILY_MEMBER}),
        (
            "Tell me about my wife",
            Intent.RELATIONAL,
            {Attribute.PARTNER, Attribute.RELATIONSHIP_STATUS},
        ),
        ("Where did I live before?", Intent.TEMPORAL, {Attribute.LOCATION}),
        ("When did I move to Mumbai?", Intent.TEMPORAL, {Attribute.LOCATION}),
        ("Where did I use to work?", Intent.TEMPORAL, {Attribute.OCCUPATION, Attribute.EMPLOYER}),
        ("Do I still work at Google?", Intent.TEMPORAL, {Attribute.OCCUPATION, Attribute.EMPLOYER}),
        # "me"/"we" count when the question names something remembered (issue 13)
        (
            "Which company employs me?",
            Intent.PERSONAL_FACT,
            {Attribute.OCCUPATION, Attribute.EMPLOYER},
        ),
        ("When should you wish me a happy birthday?", Intent.PERSONAL_FACT, {Attribute.BIRTHDAY}),
        ("Which pet did we adopt?", Intent.RELATIONAL, {Attribute.PET}),
        ("Where did I spend my childhood?", Intent.PERSONAL_FACT, {Attribute.HOMETOWN}),
        ("Hi!", Intent.CHIT_CHAT, set()),
        ("Tell me a joke", Intent.GENERAL, set()),
        ("What's the capital of France?", Intent.GENERAL, set()),
        ("What did Caroline research?", Intent.GENERAL, set()),
        ("Tell me about chess.", Intent.GENERAL, set()),
        ("I'm tired today.", Intent.CHIT_CHAT, set()),
    ],
)
def test_intents_and_attributes(query: str, intent: Intent, attributes: set[Attribute]) -> None:
    plan = plan_read(query)
    assert plan.intent is intent
    assert set(plan.attributes) == attributes


def test_personal_facts_read_the_fact_memory_first_and_only_valid_facts() -> None:
    plan = plan_read("Where do I live?")
    assert plan.sources == (Store.FACTS, Store.GRAPH, Store.HISTORY)
    assert not plan.include_invalidated
    assert not any(read.include_invalidated for read in plan.reads)


def test_temporal_questions_read_the_graph_with_history() -> None:
    plan = plan_read("Where did I live before?")
    assert plan.include_invalidated
    assert plan.sources[0] is Store.GRAPH
    by_source = {read.source: read for read in plan.reads}
    assert by_source[Store.GRAPH].include_invalidated
    assert by_source[Store.FACTS].include_invalidated
    assert not by_source[Store.HISTORY].include_invalidated


def test_relational_questions_read_graph_entities_first() -> None:
    assert plan_read("Who is my sister?").sources[0] is Store.GRAPH


def test_questions_about_someone_else_read_every_memory() -> None:
    plan = plan_read("When did Caroline go to the support group?")
    assert plan.intent is Intent.GENERAL
    assert set(plan.sources) == {Store.FACTS, Store.GRAPH, Store.HISTORY}


def test_small_talk_reads_nothing() -> None:
    plan = plan_read("hello there")
    assert plan.sources == ()
    assert plan.limit_for(Store.FACTS) == 0


def test_limits_can_be_configured_and_zero_skips_a_source() -> None:
    reads = {**DEFAULT_READS, Intent.PERSONAL_FACT: ((Store.FACTS, 3), (Store.GRAPH, 0))}
    plan = plan_read("Where do I live?", reads=reads)
    assert plan.sources == (Store.FACTS,)
    assert plan.limit_for(Store.FACTS) == 3


@pytest.mark.parametrize(
    ("text", "role", "targets"),
    [
        ("I live in Delhi and like chess.", Role.USER, {"history", "facts", "graph"}),
        ("we just adopted a puppy", Role.USER, {"history", "facts", "graph"}),
        ("Where do I live?", Role.USER, {"history"}),
        ("thanks!", Role.USER, {"history"}),
        ("", Role.USER, {"history"}),
        ("The weather is nice.", Role.USER, {"history"}),
        ("If I lived in Rome I would be happy", Role.USER, {"history"}),
        ("You live in Delhi.", Role.ASSISTANT, {"history"}),
        ("You are a helpful assistant.", Role.SYSTEM, {"history"}),
    ],
)
def test_write_plans(text: str, role: Role, targets: set[str]) -> None:
    plan = plan_write(text, role)
    assert {target.value for target in plan.targets} == targets
    assert plan.targets[0] is Store.HISTORY
    assert plan.extract is (Store.FACTS in plan.targets)
    assert plan.reason
