"""In-memory implementations of the ports: full implementations, held to the same
contract tests as the PostgreSQL adapters, for fast unit tests of services."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from hybridmem.domain.accounts import (
    AccountIdentity,
    ChatSession,
    Credentials,
    LoginSubject,
    MetadataPatch,
    NewUser,
    ProfileChange,
    User,
    check_merged_metadata,
    normalize_email,
)
from hybridmem.domain.errors import Conflict, NotFound, RateLimited
from hybridmem.domain.pagination import Page, decode_cursor, encode_cursor


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds:
    """Predictable ids: prefix + a counter."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self, prefix: str = "") -> str:
        return f"{prefix}{next(self._counter):032d}"


def _page_after(items: list[Any], cursor: str | None, key: Any, limit: int) -> Page[Any]:
    items = sorted(items, key=key)
    if cursor is not None:
        after = decode_cursor(cursor, datetime, str)
        items = [item for item in items if key(item) > after]
    chosen = items[:limit]
    next_cursor = None
    if len(items) > limit:
        last_created, last_id = key(chosen[-1])
        next_cursor = encode_cursor(last_created.isoformat(), last_id)
    return Page(items=chosen, next_cursor=next_cursor)


class InMemoryUsers:
    """UserRepository in a dict. ``outbox`` (an InMemoryOutbox) receives the follow-up jobs
    of a deletion; ``dependents`` (fakes with ``forget_user``) lose the deleted user's data,
    as PostgreSQL's foreign keys cascade."""

    def __init__(self, clock: FrozenClock | None = None, *, outbox: Any = None) -> None:
        self._clock = clock or FrozenClock()
        self._users: dict[str, User] = {}
        self._hashes: dict[str, str] = {}
        # user_id -> [account_id, token_generation]
        self._accounts: dict[str, list[Any]] = {}
        self._lock = asyncio.Lock()
        self._tick = itertools.count()
        self._outbox = outbox
        self.dependents: list[Any] = [outbox] if outbox is not None else []

    def _now(self) -> datetime:
        # distinct timestamps even under a frozen clock, as clock_timestamp() gives
        return self._clock.now() + timedelta(microseconds=next(self._tick))

    def _email_taken(self, email: str, except_user: str | None = None) -> bool:
        wanted = normalize_email(email)
        return any(
            normalize_email(u.email) == wanted and u.user_id != except_user
            for u in self._users.values()
        )

    async def add(self, user: NewUser) -> User:
        async with self._lock:
            if user.user_id in self._users:
                raise Conflict("user_id is already taken", details={"field": "user_id"})
            if self._email_taken(user.email):
                raise Conflict("email is already registered", details={"field": "email"})
            now = self._now()
            stored = User(
                user_id=user.user_id,
                email=user.email,
                first_name=user.first_name,
                last_name=user.last_name,
                about=user.about,
                metadata=dict(user.metadata),
                is_admin=False,
                created_at=now,
                updated_at=now,
            )
            self._users[user.user_id] = stored
            self._hashes[user.user_id] = user.password_hash
            self._accounts[user.user_id] = [str(uuid.uuid4()), 0]
            return stored

    async def get(self, user_id: str) -> User:
        try:
            return self._users[user_id]
        except KeyError:
            raise NotFound("user not found") from None

    async def identity(self, user_id: str) -> AccountIdentity:
        user = await self.get(user_id)
        account_id, generation = self._accounts[user_id]
        return AccountIdentity(
            user_id, account_id, generation, user.is_admin, user.first_name, user.last_name
        )

    async def ensure(self, user_id: str) -> None:
        if user_id not in self._users:
            now = self._now()
            self._users[user_id] = User(user_id, "", None, None, None, {}, False, now, now)
            self._hashes[user_id] = "!"
            self._accounts[user_id] = [str(uuid.uuid4()), 0]

    async def find_credentials(
        self, *, email: str | None, user_id: str | None
    ) -> Credentials | None:
        for user in self._users.values():
            if (email is not None and normalize_email(user.email) == normalize_email(email)) or (
                email is None and user.user_id == user_id
            ):
                account_id, generation = self._accounts[user.user_id]
                return Credentials(user.user_id, self._hashes[user.user_id], account_id, generation)
        return None

    async def update(self, user_id: str, change: ProfileChange) -> User:
        async with self._lock:
            user = await self.get(user_id)
            if change.email is not None and self._email_taken(change.email, user_id):
                raise Conflict("email is already registered", details={"field": "email"})
            metadata = change.metadata.apply(user.metadata) if change.metadata else user.metadata
            if change.metadata is not None:
                check_merged_metadata(metadata)
            updated = User(
                user_id=user.user_id,
                email=change.email if change.email is not None else user.email,
                first_name=change.first_name if change.first_name is not None else user.first_name,
                last_name=change.last_name if change.last_name is not None else user.last_name,
                about=change.about if change.about is not None else user.about,
                metadata=metadata,
                is_admin=user.is_admin,
                created_at=user.created_at,
                updated_at=self._now(),
            )
            self._users[user_id] = updated
            return updated

    async def change_password(self, user_id: str, account_id: str, password_hash: str) -> int:
        generation = await self.revoke_all_tokens(user_id, account_id)
        self._hashes[user_id] = password_hash
        user = self._users[user_id]
        self._users[user_id] = User(**{**_fields(user), "updated_at": self._now()})
        return generation

    async def revoke_all_tokens(self, user_id: str, account_id: str) -> int:
        account = self._accounts.get(user_id)
        if account is None or account[0] != account_id:
            raise NotFound("user not found")
        account[1] += 1
        return int(account[1])

    async def set_admin(self, user_id: str, is_admin: bool) -> User:
        user = await self.get(user_id)
        updated = User(**{**_fields(user), "is_admin": is_admin, "updated_at": self._now()})
        self._users[user_id] = updated
        return updated

    async def delete(self, user_id: str, *, account_id=None, follow_up=()) -> None:
        self.follow_up = list(follow_up)
        if user_id not in self._users or (
            account_id is not None and self._accounts[user_id][0] != account_id
        ):
            raise NotFound("user not found")
        if follow_up and self._outbox is None:
            raise AssertionError("InMemoryUsers needs an outbox for follow-up jobs")
        jobs = self._outbox.prepared(follow_up) if follow_up else []
        del self._users[user_id]
        del self._hashes[user_id]
        del self._accounts[user_id]
        for dependent in self.dependents:
            dependent.forget_user(user_id)
        if jobs:
            self._outbox.insert(jobs)

    async def list(
        self,
        *,
        limit: int,
        cursor: str | None,
        metadata_filter: tuple[str, Any] | None = None,
    ) -> Page[User]:
        users = list(self._users.values())
        if metadata_filter is not None:
            key, value = metadata_filter
            users = [
                u for u in users if key in u.metadata and _as_text(u.metadata[key]) == str(value)
            ]
        return _page_after(users, cursor, lambda u: (u.created_at, u.user_id), limit)


def _as_text(value: Any) -> str:
    # mirrors PostgreSQL's ->> operator
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value)
    return str(value)


def _fields(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


class InMemorySessions:
    """SessionRepository in a dict."""

    def __init__(self, users: InMemoryUsers, clock: FrozenClock | None = None) -> None:
        self._clock = clock or users._clock
        self._users = users
        users.dependents.append(self)
        self._sessions: dict[tuple[str, str], ChatSession] = {}
        self._tick = itertools.count()
        self.messages: Any = None  # an InMemoryMessages: deletes hide, purges drop its rows

    def _now(self) -> datetime:
        return self._clock.now() + timedelta(microseconds=next(self._tick))

    def forget_user(self, user_id: str) -> None:
        for key in [key for key in self._sessions if key[0] == user_id]:
            del self._sessions[key]

    async def start(
        self, user_id: str, session_id: str, metadata: dict[str, Any]
    ) -> tuple[ChatSession, bool]:
        await self._users.get(user_id)
        existing = self._sessions.get((user_id, session_id))
        if existing is None:
            now = self._now()
            created = ChatSession(user_id, session_id, dict(metadata), now, now)
            self._sessions[(user_id, session_id)] = created
            return created, True
        changed = bool(metadata) or existing.is_deleted
        merged = {**existing.metadata, **metadata}
        check_merged_metadata(merged)
        restored = ChatSession(
            user_id,
            session_id,
            merged,
            existing.created_at,
            self._now() if changed else existing.updated_at,
            None,
        )
        self._sessions[(user_id, session_id)] = restored
        return restored, False

    def ensure_live(self, user_id: str, session_id: str) -> None:
        """What recording a message does to its session: create it, or restore it."""
        existing = self._sessions.get((user_id, session_id))
        if existing is None:
            now = self._now()
            self._sessions[(user_id, session_id)] = ChatSession(user_id, session_id, {}, now, now)
        elif existing.is_deleted:
            self._sessions[(user_id, session_id)] = ChatSession(
                **{**_fields(existing), "deleted_at": None, "updated_at": self._now()}
            )

    async def get(self, user_id: str, session_id: str) -> ChatSession:
        session = self._sessions.get((user_id, session_id))
        if session is None or session.is_deleted:
            raise NotFound("session not found")
        return session

    async def update_metadata(
        self, user_id: str, session_id: str, patch: MetadataPatch
    ) -> ChatSession:
        session = await self.get(user_id, session_id)
        merged = patch.apply(session.metadata)
        check_merged_metadata(merged)
        updated = ChatSession(user_id, session_id, merged, session.created_at, self._now())
        self._sessions[(user_id, session_id)] = updated
        return updated

    async def delete(self, user_id: str, session_id: str) -> None:
        session = await self.get(user_id, session_id)
        deleted_at = self._now()
        self._sessions[(user_id, session_id)] = ChatSession(
            **{**_fields(session), "deleted_at": deleted_at}
        )
        if self.messages is not None:
            self.messages.session_deleted(user_id, session_id, deleted_at)

    async def list(self, user_id: str, *, limit: int, cursor: str | None) -> Page[ChatSession]:
        live = [
            s for (owner, _), s in self._sessions.items() if owner == user_id and not s.is_deleted
        ]
        return _page_after(live, cursor, lambda s: (s.created_at, s.session_id), limit)

    async def purge(self, deleted_before: datetime) -> int:
        doomed = [
            key
            for key, s in self._sessions.items()
            if s.deleted_at is not None and s.deleted_at < deleted_before
        ]
        for key in doomed:
            del self._sessions[key]
        if self.messages is not None:
            self.messages.purge(deleted_before)
        return len(doomed)


class InMemoryRevocations:
    """TokenRevocations in a dict."""

    def __init__(self) -> None:
        self._revoked: dict[str, datetime] = {}

    async def revoke(self, jti: str, user_id: str, expires_at: datetime) -> None:
        self._revoked.setdefault(jti, expires_at)

    async def is_revoked(self, jti: str) -> bool:
        return jti in self._revoked

    async def purge_expired(self, now: datetime) -> int:
        doomed = [jti for jti, expiry in self._revoked.items() if expiry < now]
        for jti in doomed:
            del self._revoked[jti]
        return len(doomed)


class InMemoryLoginThrottle:
    """LoginThrottle in a dict, with the same attempt/window/lockout rules as PostgreSQL's."""

    def __init__(
        self,
        clock: FrozenClock,
        *,
        max_failures: int,
        window: timedelta,
        lockout: timedelta,
        users: InMemoryUsers | None = None,
    ) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = window
        self._lockout = lockout
        self._state: dict[str, dict[str, Any]] = {}
        if users is not None:
            users.dependents.append(self)

    @staticmethod
    def _key(subject: LoginSubject) -> str:
        return hashlib.sha256(subject.key.encode()).hexdigest()

    async def attempt(self, subject: LoginSubject) -> None:
        now = self._clock.now()
        state = self._state.get(self._key(subject))
        if state is None:
            state = self._state[self._key(subject)] = {
                "failures": 0,
                "window_started_at": now,
                "locked_until": None,
                "user_id": subject.user_id,
            }
        elif state["locked_until"] is not None and state["locked_until"] > now:
            retry = max(1, math.ceil((state["locked_until"] - now).total_seconds()))
            raise RateLimited("too many failed logins; try again later", retry_after=retry)
        elif state["locked_until"] is not None or state["window_started_at"] < now - self._window:
            state.update(failures=0, window_started_at=now, locked_until=None)
        state["failures"] += 1
        if state["failures"] >= self._max:
            state["locked_until"] = now + self._lockout

    async def succeeded(self, subject: LoginSubject) -> None:
        self._state.pop(self._key(subject), None)

    def forget_user(self, user_id: str) -> None:
        for key in [key for key, s in self._state.items() if s["user_id"] == user_id]:
            del self._state[key]

    async def purge_stale(self, now: datetime) -> int:
        doomed = [
            key
            for key, s in self._state.items()
            if s["window_started_at"] < now - self._window
            and (s["locked_until"] is None or s["locked_until"] < now)
        ]
        for key in doomed:
            del self._state[key]
        return len(doomed)


class ScriptedLanguageModel:
    """A LanguageModel that answers from its input, deterministically.

    The reply names the first memory line of the system prompt (so tests can see memory
    reached the model) and echoes the last user message; ``replies`` queues verbatim
    replies to give first (a derailing small model, say). ``fail_with`` makes every call
    raise that error; ``extraction`` is what ``extract`` returns.
    """

    def __init__(self, *, context_tokens: int = 4096, supports_tools: bool = False) -> None:
        from hybridmem.ports.llm import ModelInfo

        self._info = ModelInfo(
            name="scripted",
            context_tokens=context_tokens,
            supports_tools=supports_tools,
            supports_structured_output=True,
        )
        self.fail_with: Exception | None = None
        self.extraction: dict[str, Any] = {"facts": []}
        self.calls: list[tuple[str, list[Any]]] = []
        self.tools: list[Any] = []  # the tools offered on the last call
        self.replies: list[str] = []

    @property
    def info(self):
        return self._info

    async def health(self):
        from hybridmem.ports.health import Health

        return Health(ok=True, backend=self._info.name)

    def _answer(self, system: str, messages) -> str:
        self.calls.append((system, list(messages)))
        if self.replies:
            return self.replies.pop(0)
        memory = [line[2:] for line in system.splitlines() if line.startswith("- ")]
        known = f"I remember: {memory[0]}." if memory else "I have no memory of that."
        return f"{known} You said: {messages[-1].content}"

    async def complete(self, system, messages, *, tools=()):
        from hybridmem.ports.llm import Completion

        self.tools = list(tools)
        if self.fail_with is not None:
            raise self.fail_with
        text = self._answer(system, messages)
        return Completion(
            text=text, input_tokens=len(system.split()), output_tokens=len(text.split())
        )

    async def stream(self, system, messages, *, tools=()):
        from hybridmem.ports.llm import Completion, TextDelta

        self.tools = list(tools)
        if self.fail_with is not None:
            raise self.fail_with
        text = self._answer(system, messages)
        words = text.split(" ")
        for index, word in enumerate(words):
            yield TextDelta(word if index == 0 else " " + word)
        yield Completion(text=text, input_tokens=len(system.split()), output_tokens=len(words))

    async def extract(self, instructions, text, schema):
        if self.fail_with is not None:
            raise self.fail_with
        return self.extraction


class TrigramEmbedder:
    """A deterministic Embedder: character trigrams hashed into 384 dimensions, then
    normalized. It captures spelling similarity, not meaning — enough to exercise the
    vector path (a misspelled name still lands near the right fact)."""

    dimensions = 384
    name = "trigram-hash"

    def embed(self, texts):
        import hashlib
        import math

        vectors = []
        for text in texts:
            vector = [0.0] * self.dimensions
            padded = f"  {text.casefold()}  "
            for index in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[index : index + 3].encode(), digest_size=4)
                vector[int.from_bytes(digest.digest(), "little") % self.dimensions] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            vectors.append([x / norm for x in vector])
        return vectors
