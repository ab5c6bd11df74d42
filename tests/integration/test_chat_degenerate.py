"""A derailed reply (the issue-13 symptoms, scripted) is cut or replaced, and a replaced
one never reaches memory or a later prompt."""

from __future__ import annotations

from tests.support.api import auth_headers, drain_jobs

# What SmolLM2-135M answered to "Where do I live?" with "Lives in Delhi" in memory.
FICTIONAL = (
    "This is a fictional story about a young girl who lives in a magical forest with "
    "her grandmother. Every morning she walks to the river."
)


def _everything_sent(model) -> str:
    system, messages = model.calls[-1]
    return "\n".join([system, *(m.content for m in messages)])


async def test_a_degenerate_reply_is_replaced_and_never_memory(client, app, model):
    headers = await auth_headers(client, "derailed")
    await client.post(
        "/api/chat", headers=headers, json={"session_id": "d1", "message": "I live in Delhi."}
    )
    await drain_jobs(app)

    model.replies = [FICTIONAL]
    second = await client.post(
        "/api/chat", headers=headers, json={"session_id": "d1", "message": "Where do I live?"}
    )
    assert second.status_code == 200, second.text
    reply = second.json()["reply"]
    assert "fictional" not in reply.casefold()
    assert reply.strip()

    history = (
        await client.get("/api/history", headers=headers, params={"session_id": "d1"})
    ).json()["items"]
    assert history[-1]["role"] == "assistant"
    assert history[-1]["content"] == reply
    assert history[-1]["metadata"].get("degenerate") == "boilerplate"
    await drain_jobs(app)
    view = (await client.get("/api/memory", headers=headers, params={"session_id": "d1"})).json()
    assert "I live in Delhi." in view["context"]
    assert reply not in view["context"]

    # words of the garbage reply, so a message search would find it were it memory
    await client.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "d1", "message": "Tell me about the girl in the magical forest."},
    )
    assert "magical forest with" not in _everything_sent(model)
    # the stand-in reply is marked: not history for the model either
    assert reply not in _everything_sent(model)
    # and in another session, where only long-term memory could bring it back
    await client.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "d2", "message": "What about the grandmother and the river?"},
    )
    assert "grandmother." not in _everything_sent(model)
    assert "walks to the river" not in _everything_sent(model)
    # a question sharing the stand-in's words: a message search would surface it
    await client.post(
        "/api/chat",
        headers=headers,
        json={"session_id": "d3", "message": "What did I say about a good answer?"},
    )
    assert reply not in _everything_sent(model)


async def test_a_looping_reply_is_cut_where_it_repeats(client, model):
    headers = await auth_headers(client, "looper")
    model.replies = ["You live in Delhi. You live in Delhi. You live in Delhi. You live in"]
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": "l1", "message": "Where do I live?"}
    )
    assert response.json()["reply"] == "You live in Delhi."
    history = (
        await client.get("/api/history", headers=headers, params={"session_id": "l1"})
    ).json()["items"]
    assert history[-1]["content"] == "You live in Delhi."


async def test_an_empty_reply_becomes_an_honest_short_answer(client, model):
    headers = await auth_headers(client, "silent")
    model.replies = ["  \n "]
    response = await client.post(
        "/api/chat", headers=headers, json={"session_id": "e1", "message": "Tell me about chess."}
    )
    reply = response.json()["reply"]
    assert reply.strip()
    assert "not sure" in reply.casefold()
