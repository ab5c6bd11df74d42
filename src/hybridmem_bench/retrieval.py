"""``hybridmem bench retrieval``: evidence recall@k on conversations in the LoCoMo format.

Every turn of every conversation is ingested through the library API (``Memory``) with its
``dia_id`` as the message id, so each fact, relation and message derived from it carries
that id as provenance. Each question is then answered by ``Memory.retrieve`` and scored by
evidence recall@k = |evidence ∩ provenance of the top k items| / |evidence|, the measure
of the LoCoMo paper's retrieval experiments. A plain BM25 over the raw turns can be scored
the same way, side by side (``--baseline bm25``).

Speakers → users (``mapping``). LoCoMo conversations are between two people, and its
questions are asked by an observer of the whole conversation, about a named person ("When
did Caroline go to the support group?"), with answers often in what the *other* person
said. hybridmem remembers per user, so:

- ``per-speaker`` (default): one user per speaker; each turn is recorded once, as its
  speaker's own (role ``user``) message, so first-person statements ("I moved to Boston")
  become facts of the person who said them and one speaker's single-valued facts never
  close the other's. A question searches both speakers' memories — together they are the
  whole conversation, what LoCoMo retrieves from — and the two ranked lists are merged by
  their fused scores, the speaker the question names first winning ties.
- ``mirrored``: one user per speaker holding the whole conversation from their side (the
  other speaker's turns as role ``assistant``, history only), as Mem0's LoCoMo evaluation
  stores it; a question searches only the memory of the speaker it names first (else
  speaker_a). Every turn is stored twice, and the other person is cast as an assistant.
- ``one-user``: both speakers' turns go to one user (role ``user``, named by speaker). One
  search per question, but "I live in Boston" from one speaker and "I live in Denver" from
  the other become one person's facts, the second closing the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hybridmem.domain.accounts import ID_PATTERN
from hybridmem.domain.errors import NotFound
from hybridmem.domain.recall import MemoryItem, approximate_tokens
from hybridmem.service.library import Memory
from hybridmem_bench.progress import Progress
from hybridmem_bench.stats import machine, summary_ms

MAPPINGS: tuple[str, ...] = ("per-speaker", "mirrored", "one-user")
DEFAULT_KS: tuple[int, ...] = (1, 5, 10, 25, 50)

# LoCoMo's categories as the dataset numbers them (the paper's names; the counts in
# locomo10 — 282 / 321 / 96 / 841 / 446 — identify them).
CATEGORY_NAMES: dict[int, str] = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}

_SESSION_KEY = re.compile(r"^session_(\d+)$")
_DIA_ID = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s;,]+")
_DATE_FORMATS = (
    "%I:%M %p on %d %B, %Y",  # "1:56 pm on 8 May, 2023" (LoCoMo)
    "%I:%M %p on %d %b, %Y",
    "%I:%M %p on %B %d, %Y",
    "%I:%M %p on %d %B %Y",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)
_WARMUP_QUESTIONS = 5
_NO_BUDGET = 1_000_000


# ---------------------------------------------------------------------------- the dataset


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance: its normalized dia_id, speaker, text (with any image caption) and
    the time it was said."""

    dia_id: str
    speaker: str
    text: str
    session: int
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Question:
    """A question, its category and its resolvable evidence ids."""

    question: str
    answer: str
    category: int
    evidence: tuple[str, ...]
    unresolvable: tuple[str, ...] = ()
    normalized: int = 0


@dataclass(frozen=True, slots=True)
class Sample:
    """One conversation between two speakers and its questions."""

    sample_id: str
    speaker_a: str
    speaker_b: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]
    sessions: int
    unparsed_dates: int = 0
    irregular_turn_ids: int = 0
    empty_turns: int = 0


def normalize_dia_id(raw: str) -> str | None:
    """The canonical ``D<session>:<turn>`` form of one dia_id ("D:11:26" → "D11:26",
    "D30:05" → "D30:5"), or None when ``raw`` is not exactly one id."""
    found = _DIA_ID.fullmatch(raw.strip())
    if found is None:
        return None
    return f"D{int(found.group(1))}:{int(found.group(2))}"


def split_evidence(raw: str) -> tuple[list[str], bool]:
    """The dia_ids in one evidence entry ("D8:6; D9:17" → two ids), and whether anything
    else was left in it (such as a bare "D")."""
    ids = [f"D{int(m.group(1))}:{int(m.group(2))}" for m in _DIA_ID.finditer(raw)]
    leftover = _SEPARATORS.sub("", _DIA_ID.sub("", raw))
    return ids, bool(leftover)


def normalize_evidence(
    entries: Iterable[Any], known: set[str] | frozenset[str]
) -> tuple[tuple[str, ...], tuple[str, ...], int]:
    """(resolved ids in order, unresolvable entries, how many entries needed normalizing).

    An id is resolvable when it names a turn of the conversation; entries that are not
    ids at all, and ids of turns that do not exist, are returned as unresolvable.
    """
    resolved: list[str] = []
    unresolvable: list[str] = []
    normalized = 0
    for entry in entries:
        text = str(entry)
        ids, leftover = split_evidence(text)
        if len(ids) != 1 or leftover or ids[0] != text:
            normalized += 1
        if leftover or not ids:
            unresolvable.append(text)
        for dia_id in ids:
            if dia_id not in known:
                unresolvable.append(dia_id)
            elif dia_id not in resolved:
                resolved.append(dia_id)
    return tuple(resolved), tuple(unresolvable), normalized


def parse_session_time(text: str | None) -> datetime | None:
    """The time of a session ("1:56 pm on 8 May, 2023"), in UTC; None if unreadable."""
    if not text:
        return None
    cleaned = " ".join(str(text).split())
    for layout in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, layout).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _turn_text(turn: Mapping[str, Any]) -> str:
    text = str(turn.get("text") or "").strip()
    caption = str(turn.get("blip_caption") or "").strip()
    # LoCoMo's text-only evaluation reads shared photos through their captions; questions
    # ask about them, so the caption is part of what was said.
    return f"{text} [shares {caption}]".strip() if caption else text


def load_samples(data: Any) -> list[Sample]:
    """Samples from parsed LoCoMo JSON: a list of ``{sample_id?, conversation, qa}``, or a
    single sample, or a sample whose conversation keys sit at its top level."""
    items = data if isinstance(data, list) else [data]
    samples: list[Sample] = []
    for index, raw in enumerate(items):
        if not isinstance(raw, Mapping):
            raise ValueError(f"sample {index + 1} is not an object")
        conversation = raw.get("conversation", raw)
        speaker_a = str(conversation.get("speaker_a") or "speaker_a")
        speaker_b = str(conversation.get("speaker_b") or "speaker_b")
        # Only session_N keys hold turns: LoCoMo also has session_N_date_time keys for
        # sessions that have no turns at all.
        numbers = sorted(
            int(found.group(1))
            for key, value in conversation.items()
            if (found := _SESSION_KEY.match(key)) and isinstance(value, list)
        )
        turns: list[Turn] = []
        seen: set[str] = set()
        unparsed = irregular = empty = 0
        previous: datetime | None = None
        for number in numbers:
            started = parse_session_time(conversation.get(f"session_{number}_date_time"))
            if started is None:
                unparsed += 1
                # keep sessions in order: a day after the previous one
                started = (previous or datetime(2020, 1, 1, tzinfo=UTC)) + timedelta(days=1)
            previous = started
            for position, turn in enumerate(conversation[f"session_{number}"]):
                text = _turn_text(turn)
                if not text:
                    empty += 1
                    continue
                dia_id = normalize_dia_id(str(turn.get("dia_id", "")))
                if dia_id is None or dia_id in seen:
                    irregular += 1
                    # still ingested (it is part of the conversation), under an id no
                    # evidence can name
                    dia_id = f"X{number}.{position + 1}"
                seen.add(dia_id)
                turns.append(
                    Turn(
                        dia_id=dia_id,
                        speaker=str(turn.get("speaker") or speaker_a),
                        text=text,
                        session=number,
                        # turns keep their order within the session
                        occurred_at=started + timedelta(seconds=position),
                    )
                )
        known = frozenset(turn.dia_id for turn in turns)
        questions = []
        for qa in raw.get("qa", []):
            evidence = qa.get("evidence") or []
            if isinstance(evidence, str):
                evidence = [evidence]
            resolved, unresolvable, normalized = normalize_evidence(evidence, known)
            questions.append(
                Question(
                    question=str(qa.get("question", "")),
                    answer=str(qa.get("answer", qa.get("adversarial_answer", ""))),
                    category=int(qa.get("category", 0)),
                    evidence=resolved,
                    unresolvable=unresolvable,
                    normalized=normalized,
                )
            )
        samples.append(
            Sample(
                sample_id=str(raw.get("sample_id") or f"sample-{index + 1}"),
                speaker_a=speaker_a,
                speaker_b=speaker_b,
                turns=tuple(turns),
                questions=tuple(questions),
                sessions=len(numbers),
                unparsed_dates=unparsed,
                irregular_turn_ids=irregular,
                empty_turns=empty,
            )
        )
    return samples


def load_file(path: Path) -> list[Sample]:
    """Samples from a LoCoMo JSON file."""
    return load_samples(json.loads(path.read_text(encoding="utf-8")))


# -------------------------------------------------------------------------------- scoring


def evidence_recall(evidence: Sequence[str], provenance: Iterable[Iterable[str]]) -> float:
    """|evidence ∩ the union of ``provenance``| / |evidence| (0 for no evidence)."""
    if not evidence:
        return 0.0
    covered: set[str] = set()
    for ids in provenance:
        covered.update(ids)
    return len(set(evidence) & covered) / len(set(evidence))


@dataclass
class _Scores:
    """Per-question results of one system."""

    ks: tuple[int, ...]
    recall: list[dict[int, float]] = field(default_factory=list)
    tokens: list[dict[int, int]] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    first_hits: list[int | None] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    question_latencies: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        question: Question,
        texts: Sequence[str],
        provenance: Sequence[Sequence[str]],
        kinds: Sequence[str] = (),
    ) -> None:
        self.categories.append(question.category)
        self.recall.append({k: evidence_recall(question.evidence, provenance[:k]) for k in self.ks})
        self.tokens.append({k: approximate_tokens("\n".join(texts[:k])) for k in self.ks})
        evidence = set(question.evidence)
        self.first_hits.append(
            next((rank for rank, ids in enumerate(provenance, 1) if evidence & set(ids)), None)
        )
        self.kinds.update(kinds[: max(self.ks)])

    def summary(self) -> dict[str, Any]:
        def mean_recall(indexes: list[int]) -> dict[str, float | None]:
            return {
                str(k): (
                    round(sum(self.recall[i][k] for i in indexes) / len(indexes), 4)
                    if indexes
                    else None
                )
                for k in self.ks
            }

        every = range(len(self.categories))
        by_category = {
            str(category): {
                "name": CATEGORY_NAMES.get(category, "other"),
                "questions": len(indexes),
                "recall": mean_recall(indexes),
            }
            for category in sorted(set(self.categories))
            if (indexes := [i for i in every if self.categories[i] == category])
        }
        count = len(self.tokens)
        return {
            "questions": count,
            "recall": {
                "1-4": mean_recall([i for i in every if 1 <= self.categories[i] <= 4]),
                "1-5": mean_recall([i for i in every if 1 <= self.categories[i] <= 5]),
                "by_category": by_category,
            },
            "context_tokens_mean": {
                str(k): round(sum(t[k] for t in self.tokens) / count, 1) if count else None
                for k in self.ks
            },
            "search_latency": summary_ms(self.latencies),
            "question_latency": summary_ms(self.question_latencies),
            "top_k_kinds": dict(sorted(self.kinds.items())),
        }


# ------------------------------------------------------------------------------ BM25


# A short English stop list: BM25's idf already discounts common words; this only keeps
# question words ("what", "did") from matching every turn.
_STOP_TEXT = """a an the and or but if of at by for with about to from in on into over after before
    is am are was were be been being do does did doing have has had having i me my we our
    you your he him his she her it its they them their what which who whom whose when where
    why how this that these those there here as so than too very can could will would shall
    should may might must not no nor just s t"""
_STOPWORDS = frozenset(_STOP_TEXT.split())
_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Lower-cased alphanumeric words minus a short stop list (no stemming)."""
    return [word for word in _TOKEN.findall(text.lower()) if word not in _STOPWORDS]


class BM25:
    """Okapi BM25 over a fixed set of documents (k1=1.2, b=0.75, Lucene's non-negative
    idf); deterministic: equal scores keep document order."""

    def __init__(
        self, documents: Sequence[tuple[str, str]], *, k1: float = 1.2, b: float = 0.75
    ) -> None:
        self._ids = [doc_id for doc_id, _ in documents]
        self._k1, self._b = k1, b
        lengths: list[int] = []
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, (_, text) in enumerate(documents):
            words = tokenize(text)
            lengths.append(len(words))
            for word, count in Counter(words).items():
                self._postings[word].append((index, count))
        self._lengths = lengths
        self._average = (sum(lengths) / len(lengths)) if lengths else 0.0
        total = len(documents)
        self._idf = {
            word: math.log(1 + (total - len(posting) + 0.5) / (len(posting) + 0.5))
            for word, posting in self._postings.items()
        }

    def search(self, query: str, limit: int) -> list[tuple[str, float]]:
        """The ``limit`` best documents matching at least one query word, best first."""
        scores: dict[int, float] = defaultdict(float)
        # each distinct query word counts once
        for word in dict.fromkeys(tokenize(query)):
            posting = self._postings.get(word)
            if not posting:
                continue
            idf = self._idf[word]
            for index, count in posting:
                norm = self._k1 * (1 - self._b + self._b * self._lengths[index] / self._average)
                scores[index] += idf * count * (self._k1 + 1) / (count + norm)
        ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
        return [(self._ids[index], score) for index, score in ranked]


# ----------------------------------------------------------------------------- the run


def _slug(value: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]+", "-", value).strip("-.")
    return cleaned or "x"


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where one sample's turns are stored and which memories a question searches."""

    mapping: str
    speaker_a: str
    users: dict[str, str]  # speaker → user id

    def stores(self, speaker: str) -> list[tuple[str, str]]:
        """(user id, role) under which a turn of ``speaker`` is recorded."""
        if self.mapping == "mirrored":
            # every speaker's memory holds the whole conversation from their side
            return [
                (user_id, "user" if other == speaker else "assistant")
                for other, user_id in self.users.items()
            ]
        return [(self.users[speaker], "user")]

    def search_users(self, question: str) -> list[str]:
        """The user ids to search for ``question``: the speaker it names first (else
        speaker_a) leads; ``per-speaker`` searches every speaker, the others one memory."""
        lowered = question.lower()

        def position(speaker: str) -> int:
            found = lowered.find(speaker.lower())
            return found if found >= 0 else len(lowered) + 1

        ordered = sorted(
            self.users, key=lambda speaker: (position(speaker), speaker != self.speaker_a)
        )
        user_ids = list(dict.fromkeys(self.users[speaker] for speaker in ordered))
        return user_ids if self.mapping == "per-speaker" else user_ids[:1]

    def all_users(self) -> set[str]:
        """Every user id the sample was stored under."""
        return set(self.users.values())


def _layout(sample: Sample, run: str, mapping: str) -> _Layout:
    """Speaker → hybridmem user for one sample, under the run's prefix."""
    base = f"lc{run}-{_slug(sample.sample_id)}"
    speakers = dict.fromkeys(
        [sample.speaker_a, sample.speaker_b, *(t.speaker for t in sample.turns)]
    )
    ids: dict[str, str] = {}
    for speaker in speakers:
        if mapping == "one-user":
            ids[speaker] = base[:128]
            continue
        user_id = f"{base}-{_slug(speaker)}"[:128]
        while user_id in ids.values():  # two names that slug alike
            user_id = f"{user_id[:120]}-{len(ids)}"
        ids[speaker] = user_id
    for user_id in ids.values():
        if not ID_PATTERN.match(user_id):
            raise ValueError(f"cannot make a user id from {sample.sample_id!r}: {user_id!r}")
    return _Layout(mapping, sample.speaker_a, ids)


async def _ingest(memory: Memory, sample: Sample, layout: _Layout) -> None:
    by_session: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for turn in sample.turns:
        for user_id, role in layout.stores(turn.speaker):
            by_session[turn.session][user_id].append(
                {
                    "role": role,
                    "content": turn.text,
                    "message_id": turn.dia_id,
                    "name": turn.speaker,
                    "occurred_at": turn.occurred_at,
                }
            )
    for number in sorted(by_session):
        for user_id, messages in by_session[number].items():
            await memory.add_messages(user_id, f"session-{number}", messages, flush=False)
        # one drain per session: extraction stays in conversation order (jobs are FIFO per
        # user) and a drain never has more than one session's work
        await memory.flush()


async def _search(
    memory: Memory, user_ids: Sequence[str], question: str, limit: int, latencies: list[float]
) -> list[MemoryItem]:
    async def one(user_id: str) -> list[MemoryItem]:
        started = time.perf_counter()
        # The recall chat uses, with a budget that never cuts: the top k of this list is
        # the context chat gets with a limit of k (contexts are prefixes of longer ones).
        recalled = await memory.recall(user_id, question, limit=limit, budget_tokens=_NO_BUDGET)
        found = list(recalled.items)
        latencies.append(time.perf_counter() - started)
        return found

    lists = await asyncio.gather(*(one(user_id) for user_id in user_ids))
    # The fused scores of recall are reciprocal-rank sums, on the same scale for every
    # user, so one ordering by score merges the speakers; ties go to the preferred speaker.
    merged = [
        (item.score, preference, rank, item)
        for preference, found in enumerate(lists)
        for rank, item in enumerate(found)
    ]
    merged.sort(key=lambda entry: (-entry[0], entry[1], entry[2]))
    return [entry[3] for entry in merged[:limit]]


async def run_retrieval_benchmark(
    memory: Memory,
    samples: Sequence[Sample],
    *,
    ks: Sequence[int] = DEFAULT_KS,
    baseline: str | None = None,
    mapping: str = "per-speaker",
    progress: bool = True,
    keep: bool = False,
    source: str | None = None,
) -> dict[str, Any]:
    """Ingest ``samples`` into ``memory``, answer every question, score recall@k.

    Users are created under a fresh per-run prefix and deleted afterwards unless ``keep``.
    """
    if mapping not in MAPPINGS:
        raise ValueError(f"mapping must be one of {', '.join(MAPPINGS)}")
    if baseline not in (None, "bm25"):
        raise ValueError("the only baseline is bm25")
    ks = tuple(sorted({int(k) for k in ks}))
    if not ks or ks[0] < 1:
        raise ValueError("k values must be positive")
    limit = ks[-1]
    run = uuid.uuid4().hex[:6]
    layouts = {sample.sample_id: _layout(sample, run, mapping) for sample in samples}

    turns = sum(len(sample.turns) for sample in samples)
    bar = Progress(turns, "turns ingested", enabled=progress)
    started = time.perf_counter()
    try:
        for sample in samples:
            await _ingest(memory, sample, layouts[sample.sample_id])
            bar.advance(len(sample.turns))
        bar.close()
        ingest_seconds = time.perf_counter() - started

        scored = [
            (sample, question)
            for sample in samples
            for question in sample.questions
            if question.evidence
        ]
        # First searches pay for connection warm-up and plan caching, not per question.
        for sample, question in scored[:_WARMUP_QUESTIONS]:
            order = layouts[sample.sample_id].search_users(question.question)
            await _search(memory, order, question.question, limit, [])

        ours = _Scores(ks)
        bm25 = _Scores(ks) if baseline == "bm25" else None
        indexes = (
            {
                sample.sample_id: BM25([(t.dia_id, t.text) for t in sample.turns])
                for sample in samples
            }
            if bm25 is not None
            else {}
        )
        turn_texts = {s.sample_id: {t.dia_id: t.text for t in s.turns} for s in samples}
        records: list[dict[str, Any]] = []
        bar = Progress(len(scored), "questions", enabled=progress)
        for sample, question in scored:
            order = layouts[sample.sample_id].search_users(question.question)
            began = time.perf_counter()
            items = await _search(memory, order, question.question, limit, ours.latencies)
            ours.question_latencies.append(time.perf_counter() - began)
            ours.add(
                question,
                [item.render() for item in items],
                [item.provenance for item in items],
                [item.store.value for item in items],
            )
            record: dict[str, Any] = {
                "sample": sample.sample_id,
                "category": question.category,
                "question": question.question,
                "evidence": list(question.evidence),
                "first_hit": ours.first_hits[-1],
            }
            if bm25 is not None:
                texts = turn_texts[sample.sample_id]
                began = time.perf_counter()
                hits = indexes[sample.sample_id].search(question.question, limit)
                elapsed = time.perf_counter() - began
                bm25.latencies.append(elapsed)
                bm25.question_latencies.append(elapsed)
                bm25.add(question, [texts[i] for i, _ in hits], [(i,) for i, _ in hits])
                record["bm25_first_hit"] = bm25.first_hits[-1]
            records.append(record)
            bar.advance()
        bar.close()
    finally:
        if not keep:
            for user_id in sorted({u for layout in layouts.values() for u in layout.all_users()}):
                # a run that failed early never created some of its users
                with contextlib.suppress(NotFound):
                    await memory.forget_user(user_id)

    all_questions = [q for sample in samples for q in sample.questions]
    unresolvable = [u for q in all_questions for u in q.unresolvable]
    report: dict[str, Any] = {
        "benchmark": "retrieval",
        "run": run,  # user ids were lc<run>-<sample>-<speaker>
        "machine": machine(),
        "file": source,
        "k": list(ks),
        "mapping": mapping,
        "dataset": {
            "samples": len(samples),
            "sessions": sum(sample.sessions for sample in samples),
            "turns": turns,
            "questions": len(all_questions),
            "questions_scored": len(scored),
            "questions_without_evidence": len(all_questions) - len(scored),
            "questions_by_category": {
                str(c): n for c, n in sorted(Counter(q.category for q in all_questions).items())
            },
            "evidence_ids": sum(len(q.evidence) for q in all_questions),
            "evidence_entries_normalized": sum(q.normalized for q in all_questions),
            "evidence_unresolvable": len(unresolvable),
            "evidence_unresolvable_examples": sorted(set(unresolvable))[:20],
            "unparsed_session_dates": sum(sample.unparsed_dates for sample in samples),
            "irregular_turn_ids": sum(sample.irregular_turn_ids for sample in samples),
            "empty_turns": sum(sample.empty_turns for sample in samples),
        },
        "ingest": {
            "seconds": round(ingest_seconds, 2),
            "turns_per_s": round(turns / ingest_seconds, 1) if ingest_seconds else None,
        },
        "systems": {"hybridmem": ours.summary()},
        "questions": records,
    }
    if bm25 is not None:
        report["systems"]["bm25"] = bm25.summary()
    return report


# ------------------------------------------------------------------------------ output


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_markdown(report: dict[str, Any]) -> str:
    """Markdown tables of a retrieval report: recall@k per category (ours, and BM25 beside
    it when run), context size and search latency."""
    ks = [str(k) for k in report["k"]]
    systems = report["systems"]
    ours, bm25 = systems["hybridmem"], systems.get("bm25")
    data = report["dataset"]
    m = report["machine"]
    lines = [
        f"Run {m['date']} on {m['cpus']} CPUs, Python {m['python']}; "
        f"{data['samples']} conversations, {data['sessions']} sessions, {data['turns']} turns, "
        f"{data['questions_scored']} questions scored (of {data['questions']}); "
        f"{data['evidence_entries_normalized']} evidence entries normalized, "
        f"{data['evidence_unresolvable']} unresolvable skipped; "
        f"speakers mapped {report['mapping']}"
        + (f"; embeddings {report['embeddings']}" if report.get("embeddings") else "")
        + (f"; database {report['database']}" if report.get("database") else "")
        + ".",
        "",
        "Evidence recall@k" + (" — hybridmem / BM25:" if bm25 else ":"),
        "",
        "| category | questions | " + " | ".join(f"R@{k}" for k in ks) + " |",
        "|---|---:|" + "---:|" * len(ks),
    ]

    def row(label: str, count: int, mine: dict[str, Any], theirs: dict[str, Any] | None) -> str:
        cells = [
            _cell(mine[k]) + (f" / {_cell(theirs[k])}" if theirs is not None else "") for k in ks
        ]
        return f"| {label} | {count} | " + " | ".join(cells) + " |"

    for category, entry in ours["recall"]["by_category"].items():
        other = bm25["recall"]["by_category"][category]["recall"] if bm25 else None
        lines.append(row(f"{category} {entry['name']}", entry["questions"], entry["recall"], other))
    counts = {int(c): e["questions"] for c, e in ours["recall"]["by_category"].items()}
    for scope, label, low, high in (("1-4", "**1–4**", 1, 4), ("1-5", "**1–5**", 1, 5)):
        count = sum(n for c, n in counts.items() if low <= c <= high)
        other = bm25["recall"][scope] if bm25 else None
        lines.append(row(label, count, ours["recall"][scope], other))

    lines += [
        "",
        "| system | context tokens @" + " | @".join(ks) + " | search p50 ms | p95 ms | p99 ms |",
        "|---|" + "---:|" * (len(ks) + 3),
    ]
    for name, summary in systems.items():
        latency = summary["search_latency"]
        tokens = " | ".join(f"{summary['context_tokens_mean'][k]:,.0f}" for k in ks)
        lines.append(
            f"| {name} | {tokens} | {latency['p50_ms']} | {latency['p95_ms']} | "
            f"{latency['p99_ms']} |"
        )
    question = ours["question_latency"]
    lines += [
        "",
        f"hybridmem latency is per `Memory.retrieve` call; a question searches every speaker's "
        f"memory concurrently: p50 {question['p50_ms']} ms, p95 {question['p95_ms']} ms, "
        f"p99 {question['p99_ms']} ms per question. Ingest: {report['ingest']['turns_per_s']} "
        f"turns/s (recorded and extracted).",
    ]
    return "\n".join(lines)
