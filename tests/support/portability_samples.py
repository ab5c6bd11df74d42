"""A small export document covering every section and field (closed facts, a deleted
fact's history, a soft-deleted session, the user's own graph node)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hybridmem.domain.portability import (
    ArchiveDocument,
    EntityRecord,
    FactEventRecord,
    FactRecord,
    MessageRecord,
    ProfileRecord,
    RelationRecord,
    SessionRecord,
)

T0 = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """A time ``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


def _fact_json(fact: FactRecord) -> dict[str, object]:
    body = fact.to_json()
    for name in ("fact_id", "created_at", "updated_at"):
        body.pop(name)
    return body


def sample_document(owner: str) -> ArchiveDocument:
    """Every kind of record, owned by ``owner``."""
    delhi = FactRecord(
        fact_id="f1",
        attribute="location",
        value="Delhi",
        qualifier=None,
        text="Lives in Delhi",
        valid_from=at(0),
        valid_to=at(30),
        provenance=("m1",),
        source="rules",
        confidence=0.9,
        superseded_by="f2",
        created_at=at(1),
        updated_at=at(31),
    )
    mumbai = FactRecord(
        fact_id="f2",
        attribute="location",
        value="Mumbai",
        qualifier=None,
        text="Lives in Mumbai",
        valid_from=at(30),
        valid_to=None,
        provenance=("m3",),
        source="rules",
        confidence=1.0,
        superseded_by=None,
        created_at=at(31),
        updated_at=at(31),
    )
    chess = {"attribute": "likes", "value": "chess", "text": "Likes chess", "provenance": ["m1"]}
    user_key = f"user:{owner}"
    return ArchiveDocument(
        profile=ProfileRecord(
            user_id=owner,
            email=f"{owner}@example.com",
            first_name="Asha",
            last_name="Rao",
            about="Plays chess",
            metadata={"plan": "pro", "tags": ["a", "ü"]},
            created_at=at(-60),
            updated_at=at(-50),
        ),
        exported_at=at(100),
        sessions=(
            SessionRecord("s1", {"topic": "home"}, at(0), at(30), None),
            SessionRecord("s-old", {}, at(2), at(3), at(4)),
        ),
        messages=(
            MessageRecord(
                "m1", "s1", "user", None, "I live in Delhi and like chess.", {}, at(0), at(0), None
            ),
            MessageRecord("m2", "s1", "assistant", "bot", "Nice!", {"k": 1}, at(0), at(0), None),
            MessageRecord("m-old", "s-old", "user", None, "forget me", {}, at(2), at(2), at(4)),
            MessageRecord("m3", "s1", "user", None, "I moved to Mumbai", {}, at(30), at(30), None),
        ),
        facts=(delhi, mumbai),
        fact_events=(
            FactEventRecord(
                "f1", "ADD", None, _fact_json(delhi) | {"valid_to": None}, "new", at(1)
            ),
            FactEventRecord("f0", "ADD", None, chess, "new", at(1)),
            FactEventRecord("f0", "DELETE", chess, None, "user deleted", at(5)),
            FactEventRecord("f2", "ADD", None, _fact_json(mumbai), "new", at(31)),
            FactEventRecord("f1", "INVALIDATE", None, _fact_json(delhi), "moved", at(31)),
        ),
        entities=(
            EntityRecord(user_key, owner, "user", None, at(0)),
            EntityRecord("place:delhi", "Delhi", "place", None, at(1)),
            EntityRecord("place:mumbai", "Mumbai", "place", None, at(31)),
        ),
        relations=(
            RelationRecord(
                "rel:f1",
                user_key,
                "lives_in",
                "place:delhi",
                "Lives in Delhi",
                None,
                at(0),
                at(30),
                "rel:f2",
                "m1",
                at(1),
            ),
            RelationRecord(
                "rel:f2",
                user_key,
                "lives_in",
                "place:mumbai",
                "Lives in Mumbai",
                None,
                at(30),
                None,
                None,
                "m3",
                at(31),
            ),
        ),
    )
