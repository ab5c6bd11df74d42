"""The memory tools an MCP client (an assistant) may call, over either transport.

Each tool calls the same application service as the REST route it mirrors (recall for
search, the recorder for remember, the fact editor, the views) and answers with the same
body; the transports only decide who the caller is (``Resolve``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import Tool, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

import hybridmem
from hybridmem.application.principals import Principal
from hybridmem.application.recording import IncomingMessage
from hybridmem.domain.errors import HybridMemError
from hybridmem.domain.messages import Role
from hybridmem.domain.pagination import DEFAULT_LIMIT, MAX_LIMIT
from hybridmem.service.schemas.base import Page
from hybridmem.service.schemas.fields import ClientId, Content, FactIdText, Moment, SearchQuery
from hybridmem.service.schemas.memory import FactOut, GraphOut, SearchOut
from hybridmem.service.schemas.messages import MessageOut
from hybridmem.service.schemas.sessions import SessionOut
from hybridmem.service.services import Services

#: The session ``remember`` records messages into when none is named.
DEFAULT_SESSION = "mcp"

INSTRUCTIONS = """\
hybridmem is the user's long-term memory. Call search_memory before answering anything \
that may depend on what the user told you earlier (where they live, work, what they like, \
past events); call remember when the user tells you something about themselves worth \
keeping. list_facts, read_graph and read_history show what is stored; correct_fact and \
delete_fact change it when the user asks."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who calls a tool and the services of the process that serves it."""

    services: Services
    principal: Principal

    @property
    def user_id(self) -> str:
        """The caller's user id: every tool acts on the caller's own memory only."""
        return self.principal.user_id


#: How a transport finds the caller of one tool call (HTTP: the request's principal;
#: stdio: the configured API key, checked again on every call).
Resolve = Callable[[Context[Any, Any]], Awaitable[Caller]]

# Parameter types, at module level so the SDK can resolve the postponed annotations.
Text = Annotated[
    Content,
    Field(description="What to remember, in the user's words, e.g. 'I moved to Lisbon in May'."),
]
RememberKind = Annotated[
    Literal["message", "fact"],
    Field(
        description="'message' (default): record it as a user message in the session; facts "
        "are extracted from it in the background within seconds and the message itself "
        "becomes searchable. 'fact': read facts from the text at once and store them (no "
        "message is recorded); the facts stored are returned."
    ),
]
SessionArg = Annotated[
    ClientId | None,
    Field(description=f"The conversation to record into (default '{DEFAULT_SESSION}')."),
]
RequiredSession = Annotated[
    ClientId, Field(description="The session (conversation) id, e.g. from list_sessions.")
]
When = Annotated[
    Moment | None,
    Field(description="When it was said or became true: ISO 8601 with an offset (default now)."),
]
Query = Annotated[
    SearchQuery,
    Field(description="A question or keywords, e.g. 'where does the user live?'."),
]
SearchLimit = Annotated[int, Field(ge=1, le=100, description="How many items at most.")]
PageSize = Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Page size.")]
Cursor = Annotated[
    str | None,
    Field(max_length=512, description="The next_cursor of the previous page, for the next one."),
]
WithPast = Annotated[
    bool,
    Field(description="Also return what no longer holds (superseded or invalidated)."),
]
AsOf = Annotated[
    Moment | None,
    Field(description="Only relations valid at this time (ISO 8601 with an offset)."),
]
FactId = Annotated[FactIdText, Field(description="The fact's id (fact_id from list_facts).")]
NewValue = Annotated[
    str | None,
    Field(min_length=1, max_length=1000, description="The corrected value, e.g. 'Lisbon'."),
]
NewText = Annotated[
    str | None,
    Field(min_length=1, max_length=2000, description="The corrected sentence of the fact."),
]


class RememberOut(BaseModel):
    """What ``remember`` stored."""

    kind: Literal["message", "fact"]
    session_id: str | None = Field(description="The session of the recorded message")
    message: MessageOut | None = Field(description="The recorded message ('message' kind)")
    facts: list[FactOut] = Field(description="The facts stored at once ('fact' kind)")
    note: str


class DeletedOut(BaseModel):
    """The fact forgotten."""

    fact_id: str
    deleted: bool


READS = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
CHANGES = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)


def _readable(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ())) or "arguments"
        parts.append(f"{where}: {problem.get('msg', 'invalid value')}")
    return "; ".join(parts)


class MemoryServer(MCPServer[Any]):
    """MCPServer that refuses unknown arguments (the SDK ignores them) and words argument
    and domain errors for the model to read, never a traceback."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._arguments: dict[str, frozenset[str]] = {}

    def memory_tool(
        self, fn: Callable[..., Awaitable[Any]], *, annotations: ToolAnnotations
    ) -> None:
        """Register ``fn`` (its docstring is the description) and remember its arguments."""
        # one paragraph: clients show the description as it comes
        description = " ".join((fn.__doc__ or "").split())
        self.add_tool(fn, description=description, annotations=annotations)
        names = fn.__code__.co_varnames[: fn.__code__.co_argcount]
        self._arguments[fn.__name__] = frozenset(n for n in names if n != "ctx")

    async def list_tools(self) -> list[Tool]:
        """The tools, their schemas closed to unknown arguments."""
        return [
            tool.model_copy(
                update={"input_schema": {**tool.input_schema, "additionalProperties": False}}
            )
            for tool in await super().list_tools()
        ]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        """Call a tool; every refusal is a ToolError with a message a model can act on."""
        allowed = self._arguments.get(name)
        if allowed is not None:
            unknown = sorted(set(arguments) - allowed)
            if unknown:
                raise ToolError(
                    f"unknown argument(s) for {name}: {', '.join(unknown)}; "
                    f"it takes: {', '.join(sorted(allowed))}"
                )
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, HybridMemError):
                rule = (cause.details or {}).get("rule")
                suffix = f", rule {rule}" if isinstance(rule, str) else ""
                raise ToolError(f"{cause.message} ({cause.code}{suffix})") from None
            raise
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(
                    f"invalid arguments for {name}: {_readable(exc.__cause__)}"
                ) from None
            raise


def build_server(resolve: Resolve, **options: Any) -> MemoryServer:
    """The MCP server with hybridmem's memory tools; ``resolve`` names the caller (other
    ``options`` go to the SDK's MCPServer, e.g. a lifespan)."""
    server = MemoryServer(
        name="hybridmem",
        title="hybridmem memory",
        version=hybridmem.__version__,
        instructions=INSTRUCTIONS,
        **options,
    )

    async def remember(
        text: Text,
        ctx: Context[Any, Any],
        kind: RememberKind = "message",
        session_id: SessionArg = None,
        occurred_at: When = None,
    ) -> RememberOut:
        """Store something the user said about themselves (where they live or work, what
        they like, plans, events) in their long-term memory, so later conversations can
        recall it. Not for questions: use search_memory to look things up."""
        caller = await resolve(ctx)
        caller.principal.require_write()
        if kind == "fact":
            if session_id is not None:
                raise ToolError("session_id is only for kind 'message'")
            plan = await caller.services.recorder.add_data(
                caller.user_id, text, occurred_at=occurred_at
            )
            facts = [FactOut.of(d.fact) for d in plan.decisions]
            note = (
                f"stored {len(facts)} fact(s)"
                if facts
                else "no fact could be read from this text, nothing was stored; record it "
                "as a message (kind 'message') to keep it searchable"
            )
            return RememberOut(kind=kind, session_id=None, message=None, facts=facts, note=note)
        session = session_id or DEFAULT_SESSION
        [stored] = await caller.services.recorder.add_messages(
            caller.user_id,
            session,
            [IncomingMessage(role=Role.USER, content=text, occurred_at=occurred_at)],
        )
        return RememberOut(
            kind=kind,
            session_id=session,
            message=MessageOut.of(stored),
            facts=[],
            note="recorded; facts are extracted from it in the background within seconds",
        )

    async def search_memory(
        query: Query, ctx: Context[Any, Any], limit: SearchLimit = 10
    ) -> SearchOut:
        """Recall what is remembered about the user that bears on a question: facts,
        knowledge-graph relations and past messages fused into one ranking, exactly what
        the chat endpoint would put into its prompt (``items`` and ``context``), with the
        facts among them (``results``). Questions about the past ('where did I live
        before?') include what no longer holds."""
        caller = await resolve(ctx)
        return SearchOut.of(await caller.services.recall.recall(caller.user_id, query, limit=limit))

    async def list_facts(
        ctx: Context[Any, Any],
        include_invalidated: WithPast = False,
        limit: PageSize = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[FactOut]:
        """List the user's stored facts, newest first, with their validity and the
        messages they came from; page with ``cursor``. For a question, prefer
        search_memory."""
        caller = await resolve(ctx)
        page = await caller.services.facts.list(
            caller.user_id, limit=limit, cursor=cursor, include_invalidated=include_invalidated
        )
        return Page[FactOut].of(page)

    async def read_graph(
        ctx: Context[Any, Any], as_of: AsOf = None, include_invalidated: WithPast = True
    ) -> GraphOut:
        """Read the user's temporal knowledge graph: entities (the user, places, people,
        organisations) and the relations between them, each with when it became true and
        when it stopped; with ``as_of``, only what held at that time."""
        caller = await resolve(ctx)
        view = await caller.services.views.graph(
            caller.user_id, as_of=as_of, include_invalidated=include_invalidated
        )
        return GraphOut.of(view)

    async def read_history(
        session_id: RequiredSession,
        ctx: Context[Any, Any],
        limit: PageSize = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> Page[MessageOut]:
        """Read one conversation's messages, oldest first, complete; page with
        ``cursor``."""
        caller = await resolve(ctx)
        page = await caller.services.views.history(
            caller.user_id, session_id, limit=limit, cursor=cursor
        )
        return Page[MessageOut].of(page)

    async def list_sessions(
        ctx: Context[Any, Any], limit: PageSize = DEFAULT_LIMIT, cursor: Cursor = None
    ) -> Page[SessionOut]:
        """List the user's conversations (sessions), oldest first; their ids are what
        read_history takes."""
        caller = await resolve(ctx)
        page = await caller.services.sessions.list(caller.user_id, limit=limit, cursor=cursor)
        return Page[SessionOut].of(page)

    async def correct_fact(
        fact_id: FactId,
        ctx: Context[Any, Any],
        value: NewValue = None,
        text: NewText = None,
    ) -> FactOut:
        """Correct a stored fact when the user says it is wrong: a new value (normalised
        like any other, the sentence follows) and/or a new sentence. The change is kept
        in the fact's history."""
        caller = await resolve(ctx)
        caller.principal.require_write()
        if value is None and text is None:
            raise ToolError("give value, text or both")
        fact = await caller.services.facts.correct(caller.user_id, fact_id, value=value, text=text)
        return FactOut.of(fact)

    async def delete_fact(fact_id: FactId, ctx: Context[Any, Any]) -> DeletedOut:
        """Forget a stored fact (and its graph relation) when the user asks; its history
        keeps a DELETE event."""
        caller = await resolve(ctx)
        caller.principal.require_write()
        await caller.services.facts.forget(caller.user_id, fact_id)
        return DeletedOut(fact_id=fact_id, deleted=True)

    server.memory_tool(remember, annotations=WRITES)
    server.memory_tool(search_memory, annotations=READS)
    server.memory_tool(list_facts, annotations=READS)
    server.memory_tool(read_graph, annotations=READS)
    server.memory_tool(read_history, annotations=READS)
    server.memory_tool(list_sessions, annotations=READS)
    server.memory_tool(correct_fact, annotations=CHANGES)
    server.memory_tool(delete_fact, annotations=CHANGES)
    return server
