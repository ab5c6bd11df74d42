"""The MCP SDK's own client against a ``hybridmem serve`` process (streamable HTTP at
/mcp) and a ``hybridmem mcp`` process (stdio) on the same embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from hybridmem_bench.fake_llm import fake_chat_process
from tests.conftest import scratch_dir
from tests.e2e.conftest import RunningServer, start_server, stop_server

PASSWORD = "correct horse battery staple"
TOOLS = {
    "remember",
    "search_memory",
    "list_facts",
    "read_graph",
    "read_history",
    "list_sessions",
    "correct_fact",
    "delete_fact",
}


class Memory:
    """The MCP server under test: the HTTP service, its data directory and model."""

    def __init__(self, server: RunningServer, data_dir: str, model_url: str) -> None:
        self.server = server
        self.data_dir = data_dir
        self.model_url = model_url

    def environment(self) -> dict[str, str]:
        """The settings the service runs with (the stdio server needs the same)."""
        return {
            "HYBRIDMEM_DATA_DIR": self.data_dir,
            "HYBRIDMEM_LLM": "openai",
            "HYBRIDMEM_LLM_BASE_URL": self.model_url,
            "HYBRIDMEM_LLM_MODEL": "fake",
            "HYBRIDMEM_BCRYPT_ROUNDS": "4",
            "HYBRIDMEM_EMBEDDINGS": "off",
            "HYBRIDMEM_LOG_LEVEL": "WARNING",
            "HYBRIDMEM_MCP_ALLOWED_HOSTS": "127.0.0.1:*,memory.example",
        }


@pytest.fixture(scope="module")
def memory() -> Iterator[Memory]:
    with fake_chat_process(0.0) as model_url:
        data_dir = str(scratch_dir("e2e-mcp-"))
        placeholder = Memory(None, data_dir, model_url)  # type: ignore[arg-type]
        running = start_server(placeholder.environment())
        yield Memory(running, data_dir, model_url)
        stop_server(running)


def signed_up(memory: Memory, user_id: str) -> str:
    """A new account's token."""
    with httpx.Client(base_url=memory.server.base_url, timeout=60) as http:
        credentials = {"email": f"{user_id}@example.com", "password": PASSWORD}
        assert http.post("/api/auth/signup", json={**credentials, "user_id": user_id}).is_success
        return str(http.post("/api/auth/login", json=credentials).json()["access_token"])


def key_of(memory: Memory, token: str, *, read_only: bool = False) -> str:
    """A new API key (the secret) of the token's account."""
    return str(made_key(memory, token, read_only=read_only)["key"])


def made_key(memory: Memory, token: str, *, read_only: bool = False) -> dict[str, Any]:
    """A new API key of the token's account: its id and secret."""
    response = httpx.post(
        f"{memory.server.base_url}/api/keys",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "mcp client", "read_only": read_only},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@asynccontextmanager
async def over_http(memory: Memory, credential: str) -> AsyncIterator[ClientSession]:
    """An initialised MCP session over streamable HTTP with a bearer credential."""
    headers = {"Authorization": f"Bearer {credential}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(f"{memory.server.base_url}/mcp", http_client=http) as streams,
        ClientSession(*streams) as session,
    ):
        await session.initialize()
        yield session


def stdio_parameters(memory: Memory, api_key: str) -> StdioServerParameters:
    """``hybridmem mcp`` as an MCP client configuration would start it."""
    passed = {k: os.environ[k] for k in ("PYTHONPATH", "XDG_RUNTIME_DIR") if k in os.environ}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "hybridmem.service", "mcp"],
        env={**passed, **memory.environment(), "HYBRIDMEM_API_KEY": api_key},
        cwd=str(scratch_dir("mcp-cwd-")),
    )


def ok(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a successful call."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def refusal(result: CallToolResult) -> str:
    """The message of a refused call."""
    assert result.is_error, result.structured_content
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Traceback" not in text
    return str(text)


async def recalled(session: ClientSession, query: str, value: str) -> dict[str, Any]:
    """search_memory's answer once it finds ``value`` (extraction runs in the background)."""
    deadline = time.monotonic() + 60
    while True:
        found = ok(await session.call_tool("search_memory", {"query": query}))
        if any(r["fact"]["value"] == value for r in found["results"]):
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.3)


async def test_tools_over_http(memory: Memory) -> None:
    token = signed_up(memory, "mcp-alice")
    async with over_http(memory, key_of(memory, token)) as alice:
        tools = (await alice.list_tools()).tools
        assert {tool.name for tool in tools} == TOOLS
        for tool in tools:
            assert len(tool.description or "") > 40
            assert tool.input_schema["additionalProperties"] is False
            assert all(p.get("description") for p in tool.input_schema["properties"].values())
        assert {t.name for t in tools if t.annotations and t.annotations.read_only_hint} == {
            "search_memory",
            "list_facts",
            "read_graph",
            "read_history",
            "list_sessions",
        }

        said = ok(
            await alice.call_tool("remember", {"text": "I live in Delhi.", "session_id": "trip"})
        )
        assert said["message"]["content"] == "I live in Delhi."
        found = await recalled(alice, "Where do I live?", "Delhi")
        assert "Delhi" in found["context"]
        delhi = next(
            r["fact"]["fact_id"] for r in found["results"] if r["fact"]["value"] == "Delhi"
        )
        assert any(item["store"] == "facts" for item in found["items"])

        history = ok(await alice.call_tool("read_history", {"session_id": "trip"}))
        assert [(m["role"], m["content"]) for m in history["items"]] == [
            ("user", "I live in Delhi.")
        ]
        sessions = ok(await alice.call_tool("list_sessions", {}))
        assert [s["session_id"] for s in sessions["items"]] == ["trip"]
        graph = ok(await alice.call_tool("read_graph", {}))
        assert any("Delhi" in relation["fact"] for relation in graph["relations"])
        assert ok(await alice.call_tool("read_graph", {"as_of": "2001-01-01T00:00:00Z"})) == {
            "entities": graph["entities"],
            "relations": [],
        }

        # a fact, stored at once; corrected; forgotten
        stored = ok(await alice.call_tool("remember", {"text": "I work at Acme.", "kind": "fact"}))
        [fact] = stored["facts"]
        assert fact["value"] == "Acme"
        corrected = ok(
            await alice.call_tool("correct_fact", {"fact_id": fact["fact_id"], "value": "Globex"})
        )
        assert (corrected["value"], corrected["source"]) == ("Globex", "user")
        values = [f["value"] for f in ok(await alice.call_tool("list_facts", {}))["items"]]
        assert {"Globex", "Delhi"} <= set(values)
        assert ok(await alice.call_tool("delete_fact", {"fact_id": fact["fact_id"]})) == {
            "fact_id": fact["fact_id"],
            "deleted": True,
        }
        values = [f["value"] for f in ok(await alice.call_tool("list_facts", {}))["items"]]
        assert "Globex" not in values
        assert "not found" in refusal(
            await alice.call_tool("delete_fact", {"fact_id": fact["fact_id"]})
        )
        nothing = ok(await alice.call_tool("remember", {"text": "hmm", "kind": "fact"}))
        assert nothing["facts"] == []
        assert "nothing was stored" in nothing["note"]

        # bad arguments: readable refusals, and the session goes on
        assert "unknown argument(s) for search_memory: user_id" in refusal(
            await alice.call_tool("search_memory", {"query": "x", "user_id": "mcp-bob"})
        )
        assert "limit: Input should be greater than or equal to 1" in refusal(
            await alice.call_tool("search_memory", {"query": "x", "limit": 0})
        )
        assert "query: Field required" in refusal(await alice.call_tool("search_memory", {}))
        assert "as_of: Value error, expected an ISO 8601 date-time" in refusal(
            await alice.call_tool("read_graph", {"as_of": "yesterday"})
        )
        assert "kind: Input should be 'message' or 'fact'" in refusal(
            await alice.call_tool("remember", {"text": "x", "kind": "note"})
        )
        assert "give value, text or both" in refusal(
            await alice.call_tool("correct_fact", {"fact_id": "fct_x"})
        )
        assert "session not found" in refusal(
            await alice.call_tool("read_history", {"session_id": "nope"})
        )
        assert "Unknown tool" in refusal(await alice.call_tool("forget_everything", {}))
        assert ok(await alice.call_tool("list_sessions", {}))["items"]

    # another user sees none of it, by token as by key
    bob_token = signed_up(memory, "mcp-bob")
    async with over_http(memory, bob_token) as bob:
        found = ok(await bob.call_tool("search_memory", {"query": "Where do I live?"}))
        assert found["results"] == []
        assert "Delhi" not in found["context"]
        assert ok(await bob.call_tool("list_facts", {}))["items"] == []
        assert ok(await bob.call_tool("read_graph", {}))["relations"] == []
        assert "not found" in refusal(await bob.call_tool("read_history", {"session_id": "trip"}))
        assert "not found" in refusal(await bob.call_tool("delete_fact", {"fact_id": delhi}))
    async with httpx.AsyncClient(base_url=memory.server.base_url, timeout=60) as http:
        still = await http.get(
            f"/api/memory/facts/{delhi}", headers={"Authorization": f"Bearer {token}"}
        )
    assert still.status_code == 200
    assert still.json()["value"] == "Delhi"


async def test_read_only_keys_and_refused_credentials(memory: Memory) -> None:
    token = signed_up(memory, "mcp-reader")
    async with over_http(memory, key_of(memory, token)) as writer:
        ok(await writer.call_tool("remember", {"text": "I live in Oslo.", "kind": "fact"}))
    async with over_http(memory, key_of(memory, token, read_only=True)) as reader:
        [fact] = ok(await reader.call_tool("list_facts", {}))["items"]
        assert fact["value"] == "Oslo"
        assert ok(await reader.call_tool("search_memory", {"query": "Where do I live?"}))["results"]
        for name, arguments in [
            ("remember", {"text": "I live in Rome."}),
            ("correct_fact", {"fact_id": fact["fact_id"], "value": "Rome"}),
            ("delete_fact", {"fact_id": fact["fact_id"]}),
        ]:
            assert "read-only" in refusal(await reader.call_tool(name, arguments))
        assert [f["value"] for f in ok(await reader.call_tool("list_facts", {}))["items"]] == [
            "Oslo"
        ]

    url = f"{memory.server.base_url}/mcp"
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    async with httpx.AsyncClient(timeout=60) as http:
        for headers in ({}, {"Authorization": "Bearer hm_nope"}, {"Authorization": "Basic x"}):
            refused = await http.post(url, json=ping, headers=headers)
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthenticated"
            assert refused.headers["WWW-Authenticate"] == "Bearer"
        # DNS-rebinding protection: a Host outside HYBRIDMEM_MCP_ALLOWED_HOSTS is refused
        signed_in = {"Authorization": f"Bearer {token}"}
        for host, status in [("evil.example", 421), ("memory.example", 200)]:
            answer = await http.post(url, json=ping, headers={**signed_in, "Host": host})
            assert answer.status_code == status, host
        # stateless: no stream to open, no session to end
        assert (await http.get(url, headers=signed_in)).status_code == 405
        assert (await http.delete(url, headers=signed_in)).status_code == 405
    # the SDK's words for a 401, inside its task groups
    refused_error = pytest.RaisesExc(MCPError, match="error response")
    with pytest.RaisesGroup(refused_error, flatten_subgroups=True):
        async with over_http(memory, "hm_not_a_key"):
            pass


async def test_tools_over_stdio(memory: Memory) -> None:
    token = signed_up(memory, "mcp-stdio")
    key = made_key(memory, token)
    params = stdio_parameters(memory, key["key"])
    async with stdio_client(params) as streams, ClientSession(*streams) as session:
        await session.initialize()
        assert {tool.name for tool in (await session.list_tools()).tools} == TOOLS
        ok(await session.call_tool("remember", {"text": "I live in Paris.", "session_id": "s"}))
        found = await recalled(session, "Where do I live?", "Paris")
        assert found["results"][0]["fact"]["value"] == "Paris"
        [message] = ok(await session.call_tool("read_history", {"session_id": "s"}))["items"]
        assert message["content"] == "I live in Paris."
        # only this user's memory (the other tests' users have facts in the same database)
        [paris] = ok(await session.call_tool("list_facts", {}))["items"]
        assert paris["value"] == "Paris"
        relations = ok(await session.call_tool("read_graph", {}))["relations"]
        assert [r["fact"] for r in relations] == ["Lives in Paris"]
        corrected = {"fact_id": paris["fact_id"], "value": "Lyon"}
        assert ok(await session.call_tool("correct_fact", corrected))["value"] == "Lyon"
        assert "unknown argument(s)" in refusal(
            await session.call_tool("list_facts", {"everything": True})
        )
        # the key is checked on every call: revoked, the running server refuses it
        async with httpx.AsyncClient(base_url=memory.server.base_url, timeout=60) as http:
            revoked = await http.delete(
                f"/api/keys/{key['key_id']}", headers={"Authorization": f"Bearer {token}"}
            )
        assert revoked.status_code == 204
        assert "revoked token (unauthenticated)" in refusal(
            await session.call_tool("list_facts", {})
        )
    # the same memory over HTTP: one user, two transports
    async with over_http(memory, token) as over_web:
        values = [f["value"] for f in ok(await over_web.call_tool("list_facts", {}))["items"]]
        assert values == ["Lyon"]
    # a read-only key over stdio: reads, and the writing tools are refused
    reader = stdio_parameters(memory, key_of(memory, token, read_only=True))
    async with stdio_client(reader) as streams, ClientSession(*streams) as session:
        await session.initialize()
        assert ok(await session.call_tool("search_memory", {"query": "Where do I live?"}))
        assert "read-only" in refusal(await session.call_tool("remember", {"text": "I am 40."}))
        deleting = {"fact_id": paris["fact_id"]}
        assert "read-only" in refusal(await session.call_tool("delete_fact", deleting))


async def test_stdio_refuses_a_bad_key(memory: Memory, tmp_path: Any) -> None:
    errors = tmp_path / "stderr.txt"
    closed = pytest.RaisesExc(MCPError, match="Connection closed")
    with errors.open("w") as errlog, pytest.RaisesGroup(closed, flatten_subgroups=True):
        async with (
            stdio_client(stdio_parameters(memory, "hm_revoked_or_made_up"), errlog=errlog) as s,
            ClientSession(*s) as session,
        ):
            await asyncio.wait_for(session.initialize(), timeout=120)
    assert "HYBRIDMEM_API_KEY was refused" in errors.read_text()


def test_stdio_needs_a_key(memory: Memory) -> None:
    params = stdio_parameters(memory, "")
    result = subprocess.run(
        [params.command, *params.args],
        env={**os.environ, **(params.env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=params.cwd,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "HYBRIDMEM_API_KEY is not set" in result.stderr
