"""In-memory Outbox and messages (ChatHistory + MessageJournal + MessageIndex): full
implementations of the ports, held to the same contract tests as the PostgreSQL adapters
(tests/contract/test_messages_and_outbox.py), and a builder that wires every fake the way
the container wires the real adapters."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hybridmem.adapters.postgres.messages import COMMON_TERM_MIN_MESSAGES, COMMON_TERM_SHARE
from hybridmem.domain.errors import InvalidInput, NotFound
from hybridmem.domain.jobs import Job, JobStatus, NewJob
from hybridmem.domain.messages import Message, NewMessage
from hybridmem.domain.pagination import Page, decode_cursor, encode_cursor
from hybridmem.domain.retrieval import ScoredMessage
from hybridmem.ports.embeddings import Embedder
from hybridmem.ports.system import Clock
from tests.support.fakes import InMemorySessions, InMemoryUsers, SequentialIds
from tests.support.memory_fakes import InMemoryFactMemory, InMemoryGraphMemory, UtcClock, terms

_MAX_ERROR_LENGTH = 2000
# As in the adapter: a meaning match adds this times the cosine; weaker ones are ignored.
_SEMANTIC_WEIGHT = 8.0
_MIN_SIMILARITY = 0.25


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(_holds_nul(item) for item in value)


def _storable(value: Any) -> Any:
    """``value`` as PostgreSQL would store it (a JSON round trip), or InvalidInput for what
    it refuses: NUL characters, which neither text nor jsonb can hold."""
    stored = json.loads(json.dumps(value))
    if _holds_nul(stored):
        raise InvalidInput("text contains characters PostgreSQL cannot store")
    return stored


@dataclass
class _Row:
    job: Job
    locked_until: datetime | None = None
    touched: int = 0  # PostgreSQL's updated_at: the order dead jobs are listed in


class InMemoryOutbox:
    """``Outbox`` in a dict. Every method runs without yielding to the event loop, so a
    claim is atomic, as ``FOR UPDATE SKIP LOCKED`` makes it in PostgreSQL."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or UtcClock()
        self._rows: dict[int, _Row] = {}
        self._keys: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._ticks = itertools.count(1)

    def prepared(self, jobs: Sequence[NewJob]) -> list[NewJob]:
        """The jobs as they would be stored (InvalidInput before anything is stored)."""
        return [replace(job, payload=_storable(job.payload)) for job in jobs]

    def insert(self, jobs: Sequence[NewJob]) -> int:
        """Store prepared jobs, skipping known idempotency keys; how many were new."""
        created = 0
        now = self._clock.now()
        for new in jobs:
            if new.idempotency_key in self._keys:
                continue
            job_id = next(self._ids)
            job = Job(
                job_id, new.kind, new.user_id, new.idempotency_key, new.payload,
                JobStatus.PENDING, 0, None, now, now,
            )  # fmt: skip
            self._rows[job_id] = _Row(job, touched=next(self._ticks))
            self._keys[new.idempotency_key] = job_id
            created += 1
        return created

    async def enqueue(self, jobs: Sequence[NewJob]) -> int:
        """Add jobs (idempotent by key)."""
        return self.insert(self.prepared(jobs))

    def _set(self, job_id: int, *, locked_until: datetime | None = None, **changes: Any) -> None:
        row = self._rows.get(job_id)
        if row is None:  # as an UPDATE of no row: nothing happens
            return
        if changes.get("last_error") is not None:
            changes["last_error"] = changes["last_error"][:_MAX_ERROR_LENGTH]
        row.job = replace(row.job, **changes)
        row.locked_until = locked_until
        row.touched = next(self._ticks)

    async def claim(self, *, limit: int, lease: timedelta) -> list[Job]:
        """Ready jobs, oldest first; a job waits while an earlier job of the same user and
        kind is unfinished (pending, even if not yet due, or running)."""
        now = self._clock.now()
        waiting: set[tuple[str, str]] = set()
        claimed: list[Job] = []
        for job_id in sorted(self._rows):
            row = self._rows[job_id]
            job = row.job
            if job.status not in (JobStatus.PENDING, JobStatus.RUNNING):
                continue
            lane = (job.user_id, job.kind)
            ready = (job.status is JobStatus.PENDING and job.run_after <= now) or (
                job.status is JobStatus.RUNNING
                and row.locked_until is not None
                and row.locked_until < now
            )
            if ready and lane not in waiting and len(claimed) < limit:
                self._set(
                    job_id,
                    status=JobStatus.RUNNING,
                    attempts=job.attempts + 1,
                    locked_until=now + lease,
                )
                claimed.append(self._rows[job_id].job)
            waiting.add(lane)
        return claimed

    async def complete(self, job_id: int) -> None:
        """Mark done."""
        self._set(job_id, status=JobStatus.DONE)

    async def retry(self, job_id: int, *, error: str, run_after: datetime) -> None:
        """Back to pending, to run after the given time."""
        self._set(job_id, status=JobStatus.PENDING, run_after=run_after, last_error=error)

    async def bury(self, job_id: int, *, error: str) -> None:
        """To the dead letter state."""
        self._set(job_id, status=JobStatus.DEAD, last_error=error)

    async def dead(self, *, limit: int) -> list[Job]:
        """Dead jobs, most recently buried first."""
        rows = [row for row in self._rows.values() if row.job.status is JobStatus.DEAD]
        rows.sort(key=lambda row: (row.touched, row.job.job_id), reverse=True)
        return [row.job for row in rows[:limit]]

    async def revive(self, job_id: int) -> bool:
        """Requeue a dead job with a fresh attempt count."""
        row = self._rows.get(job_id)
        if row is None or row.job.status is not JobStatus.DEAD:
            return False
        self._set(job_id, status=JobStatus.PENDING, attempts=0, run_after=self._clock.now())
        return True

    async def pending_count(self) -> int:
        """Unfinished jobs."""
        return sum(
            r.job.status in (JobStatus.PENDING, JobStatus.RUNNING) for r in self._rows.values()
        )

    async def dead_count(self) -> int:
        """Jobs in the dead letter state."""
        return sum(r.job.status is JobStatus.DEAD for r in self._rows.values())

    def jobs(self, *, kind: str | None = None) -> list[Job]:
        """Every stored job (of a kind), oldest first: what a test inspects."""
        return [r.job for _, r in sorted(self._rows.items()) if kind in (None, r.job.kind)]

    def forget_user(self, user_id: str) -> None:
        """The account is deleted: its jobs go (the deletion's follow-ups come after)."""
        for job_id in [j for j, row in self._rows.items() if row.job.user_id == user_id]:
            del self._keys[self._rows.pop(job_id).job.idempotency_key]


@dataclass
class _Stored:
    message: Message
    seq: int
    deleted_at: datetime | None = None
    vector: list[float] | None = None


def _cosine(left: Sequence[float], right: Sequence[float]) -> float:
    norm = math.sqrt(sum(x * x for x in left)) * math.sqrt(sum(y * y for y in right))
    return sum(x * y for x, y in zip(left, right, strict=True)) / norm if norm else 0.0


class InMemoryMessages:
    """``ChatHistory``, ``MessageJournal`` and ``MessageIndex`` in a dict. ``record``
    commits messages and their jobs into ``outbox`` together (checked first, then
    written without yielding); with an ``embedder``, messages are found by meaning too."""

    def __init__(
        self,
        *,
        users: InMemoryUsers,
        sessions: InMemorySessions,
        outbox: InMemoryOutbox,
        clock: Clock | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self._users = users
        self._sessions = sessions
        self._outbox = outbox
        self._clock = clock or UtcClock()
        self._embedder = embedder
        self._stored: dict[tuple[str, str], _Stored] = {}  # (user_id, message_id)
        self._seq = itertools.count(1)
        sessions.messages = self
        users.dependents.append(self)

    async def record(
        self,
        user_id: str,
        session_id: str,
        messages: Sequence[NewMessage],
        jobs: Sequence[NewJob],
    ) -> list[Message]:
        """Store messages and enqueue jobs atomically (both idempotent)."""
        await self._users.get(user_id)
        prepared = [replace(m, metadata=_storable(m.metadata)) for m in messages]
        _storable([[session_id, m.message_id, m.content, m.name] for m in messages])
        new_jobs = self._outbox.prepared(jobs)
        self._sessions.ensure_live(user_id, session_id)
        now = self._clock.now()
        for message in prepared:
            if (user_id, message.message_id) not in self._stored:
                stored = Message(
                    message.message_id, user_id, session_id, message.role, message.content,
                    message.name, message.occurred_at or now, now, message.metadata,
                )  # fmt: skip
                self._stored[(user_id, message.message_id)] = _Stored(stored, next(self._seq))
        self._outbox.insert(new_jobs)
        # a retry returns what was stored the first time
        rows = {m.message_id: self._stored[(user_id, m.message_id)] for m in prepared}
        return [row.message for row in sorted(rows.values(), key=lambda row: row.seq)]

    async def append(
        self, user_id: str, session_id: str, messages: Sequence[NewMessage]
    ) -> list[Message]:
        """Store messages (no jobs)."""
        return await self.record(user_id, session_id, messages, ())

    def _live(self, user_id: str, session_id: str | None = None) -> list[_Stored]:
        rows = [
            row
            for (owner, _), row in self._stored.items()
            if owner == user_id
            and row.deleted_at is None
            and session_id in (None, row.message.session_id)
        ]
        return sorted(rows, key=lambda row: row.seq)

    async def list(
        self, user_id: str, session_id: str, *, limit: int, cursor: str | None
    ) -> Page[Message]:
        """Live messages of the session, oldest first (keyset on the insertion order)."""
        (after,) = decode_cursor(cursor, int) if cursor else (0,)
        rows = [row for row in self._live(user_id, session_id) if row.seq > after]
        next_cursor = encode_cursor(rows[limit - 1].seq) if len(rows) > limit else None
        return Page(items=[row.message for row in rows[:limit]], next_cursor=next_cursor)

    async def get(self, user_id: str, message_id: str) -> Message:
        """One live message of the user (``MessageLookup``); NotFound otherwise."""
        row = self._stored.get((user_id, message_id))
        if row is None or row.deleted_at is not None:
            raise NotFound("message not found")
        return row.message

    async def recent(self, user_id: str, session_id: str, limit: int) -> Sequence[Message]:
        """The last ``limit`` live messages, oldest first."""
        rows = self._live(user_id, session_id)
        return [row.message for row in rows[len(rows) - limit :]] if limit > 0 else []

    async def search(
        self, user_id: str, query: str, *, limit: int, session_id: str | None = None
    ) -> Sequence[ScoredMessage]:
        """Messages holding the question's words (their speaker's name included), by the
        summed idf of those words over the user's live messages, then by density (matched
        share of the message); with an embedder, meaning adds its weighted cosine."""
        # a message is indexed with its speaker's name, as PostgreSQL's search vector is
        corpus = {
            row.seq: terms(f"{row.message.name or ''} {row.message.content}")
            for row in self._live(user_id)
        }
        total = len(corpus)
        frequency = {
            term: sum(term in document for document in corpus.values()) for term in terms(query)
        }
        # a word in most of a long history is not searched for
        wanted = {
            term
            for term, df in frequency.items()
            if total < COMMON_TERM_MIN_MESSAGES or df <= COMMON_TERM_SHARE * total
        }
        idf = {
            term: math.log(1 + (total - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }
        vector = self._embedder.embed([query])[0] if self._embedder else None
        hits = []
        for row in self._live(user_id, session_id):
            document = corpus[row.seq]
            matched = wanted & document
            similarity = _cosine(vector, row.vector) if vector and row.vector else 0.0
            if similarity < _MIN_SIMILARITY:
                similarity = 0.0
            if not matched and not similarity:
                continue
            density = len(matched) / (len(document) + 1)
            score = sum(idf[t] for t in matched) + density + _SEMANTIC_WEIGHT * similarity
            hits.append((round(score, 6), row.seq, row.message))
        hits.sort(key=lambda hit: (hit[0], hit[1]), reverse=True)
        return [ScoredMessage(message=message, score=score) for score, _, message in hits[:limit]]

    async def around(
        self, user_id: str, message_ids: Sequence[str], *, before: int, after: int
    ) -> dict[str, list[Message]]:
        """Each live message's window of its session (``MessageContext``)."""
        windows: dict[str, list[Message]] = {}
        for message_id in message_ids:
            row = self._stored.get((user_id, message_id))
            if row is None or row.deleted_at is not None:
                continue
            session = self._live(user_id, row.message.session_id)
            position = next(i for i, other in enumerate(session) if other.seq == row.seq)
            window = session[max(0, position - before) : position + after + 1]
            windows[message_id] = [other.message for other in window]
        return windows

    async def index(self, user_id: str, messages: Sequence[tuple[str, str]]) -> None:
        """Embed ``(message_id, text)`` pairs; nothing to do without an embedder."""
        if not messages or self._embedder is None:
            return
        vectors = self._embedder.embed([text for _, text in messages])
        for (message_id, _), vector in zip(messages, vectors, strict=True):
            if (row := self._stored.get((user_id, message_id))) is not None:
                row.vector = list(vector)

    def indexed(self, user_id: str) -> set[str]:
        """Ids of the user's messages that have a vector (what a test inspects)."""
        return {
            mid for (owner, mid), row in self._stored.items() if owner == user_id and row.vector
        }

    def session_deleted(self, user_id: str, session_id: str, at: datetime) -> None:
        """A soft-deleted session hides its messages for good (a restore keeps them hidden)."""
        for (owner, _), row in self._stored.items():
            if owner == user_id and row.message.session_id == session_id and not row.deleted_at:
                row.deleted_at = at

    def purge(self, deleted_before: datetime) -> None:
        """Remove messages soft-deleted before the time."""
        for key, row in list(self._stored.items()):
            if row.deleted_at is not None and row.deleted_at < deleted_before:
                del self._stored[key]

    def forget_user(self, user_id: str) -> None:
        """The account is deleted: its messages go."""
        for key in [key for key in self._stored if key[0] == user_id]:
            del self._stored[key]


@dataclass
class InMemoryWorld:
    """Every fake port, wired as the container wires the adapters (one database)."""

    clock: Clock
    ids: SequentialIds = field(default_factory=SequentialIds)
    embedder: Embedder | None = None
    outbox: InMemoryOutbox = field(init=False)
    users: InMemoryUsers = field(init=False)
    sessions: InMemorySessions = field(init=False)
    messages: InMemoryMessages = field(init=False)
    facts: InMemoryFactMemory = field(init=False)
    graph: InMemoryGraphMemory = field(init=False)

    def __post_init__(self) -> None:
        self.outbox = InMemoryOutbox(self.clock)
        self.users = InMemoryUsers(self.clock, outbox=self.outbox)
        self.sessions = InMemorySessions(self.users)
        self.messages = InMemoryMessages(
            users=self.users,
            sessions=self.sessions,
            outbox=self.outbox,
            clock=self.clock,
            embedder=self.embedder,
        )
        self.facts = InMemoryFactMemory(self.clock)
        self.graph = InMemoryGraphMemory(self.clock)
        self.users.dependents += [self.facts, self.graph]

    async def add_users(self, user_ids: Iterable[str]) -> None:
        """Accounts without a login (what the library's ``ensure`` makes)."""
        for user_id in user_ids:
            await self.users.ensure(user_id)
