"""Deployment policy: which backend plays each memory role, and what the write path must
enqueue for it. Pure functions of the settings; the container only wires their answers."""

from __future__ import annotations

from hybridmem.domain.facts import FactSource
from hybridmem.domain.jobs import JobKind, JobRouting
from hybridmem.service.settings import Settings


def database_mode(settings: Settings) -> str:
    """``external`` when DATABASE_URL is set, else ``embedded``."""
    return "external" if settings.database_url else "embedded"


def cloud_providers(settings: Settings) -> tuple[str, ...]:
    """The memory providers that hold users' data besides PostgreSQL."""
    chosen = []
    if "zep" in (settings.history_backend, settings.graph_backend):
        chosen.append("zep")
    if settings.facts_backend == "mem0":
        chosen.append("mem0")
    return tuple(chosen)


def llm_extraction_enabled(settings: Settings) -> bool:
    """Model-based extraction: on when forced, or by default for Gemini (the embedded
    135M model is too small to extract reliably; it stays with the rules)."""
    if settings.llm_extraction == "auto":
        return settings.llm_provider == "gemini"
    return settings.llm_extraction == "on"


def job_routing(settings: Settings, *, indexing: bool) -> JobRouting:
    """What the write path enqueues:

    - every message: mirroring into Zep threads when Zep keeps history (Zep also builds
      its graph from them), and embedding for semantic search when it is on (``indexing``:
      an embedder was loaded; ``auto`` without pgvector or the model leaves it off);
    - messages worth remembering: rule extraction, and model extraction when enabled;
    - business data: the episode, for a graph that builds itself (Zep);
    - user sync and deletion at every provider that keeps a copy of the user.
    """
    every = []
    if settings.history_backend == "zep":
        every.append(JobKind.DELIVER_MESSAGE)
    if indexing:
        every.append(JobKind.INDEX)
    extracting = [JobKind.EXTRACT]
    if llm_extraction_enabled(settings):
        extracting.append(JobKind.EXTRACT_LLM)
    return JobRouting(
        every_message=tuple(every),
        worth_extracting=tuple(extracting),
        business_data=(JobKind.DELIVER_EPISODE,) if settings.graph_backend == "zep" else (),
        providers=cloud_providers(settings),
    )


def graph_source(settings: Settings) -> FactSource:
    """How facts read from the graph are labelled in consolidation."""
    return FactSource.ZEP if settings.graph_backend == "zep" else FactSource.RULES
