"""A newcomer's first hour, in a real browser: sign up, chat, see the fact and the graph,
correct a fact, consolidate, delete the account; keyboard only; a phone's width.

Nothing here depends on what the embedded model replies, only on memory: extraction runs
in the background, so the page is refreshed until the fact shows (never a fixed sleep).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RunningServer

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"
EXTRACTION_DEADLINE_S = 120.0
PHONE = {"width": 375, "height": 812}


def refresh_until(page: Any, refresh: str, ready: Callable[[], bool]) -> None:
    """Click ``refresh`` until ``ready()`` holds (memory is written by a background job)."""
    deadline = time.monotonic() + EXTRACTION_DEADLINE_S
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"not shown after {EXTRACTION_DEADLINE_S}s of refreshing {refresh}")
        page.click(refresh)
        page.wait_for_timeout(500)


def fact_card(page: Any, text: str, where: str = "#facts-current") -> Any:
    """The fact's card in a list (exact text, so "Lives in Delhi" ≠ "Lives in New Delhi")."""
    return page.locator(f"{where} li.fact").filter(
        has=page.locator(".fact-text", has_text=re.compile(rf"^{re.escape(text)}$"))
    )


def no_horizontal_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def token_for(server: RunningServer, user_id: str) -> dict[str, str]:
    """A second session of the same user, for adding messages without the model."""
    login = httpx.post(
        f"{server.base_url}/api/auth/login",
        json={"user_id": user_id, "password": PASSWORD},
        timeout=30,
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_sign_up_chat_see_memory_correct_consolidate_and_leave(page, server, screenshots):
    page.goto(f"{server.base_url}/")

    # Sign up (and so signed in); the dashboard opens on Sessions to start chatting.
    page.get_by_label("Email", exact=True).fill("ada@example.com")
    page.get_by_label("Password (at least 8 characters)").fill(PASSWORD)
    page.get_by_label("First name (optional)").fill("Ada")
    page.get_by_label("User id (optional, e.g. user123)").fill("ada")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#who-name")).to_have_text("Signed in as Ada (ada@example.com)")
    expect(page.get_by_role("heading", name="Sessions", level=1)).to_be_visible()
    token = page.evaluate("sessionStorage.getItem('hybridmem.token')")
    assert token
    assert token not in page.url

    # Chat: the reply's wording does not matter, only that the turn completed.
    page.get_by_label("New session id (optional)").fill("first-chat")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Session first-chat")).to_be_visible()
    page.get_by_label("Message").fill("I live in Delhi")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#session-history .message.role-assistant:not(.pending)")).to_have_count(
        1, timeout=180_000
    )
    expect(page.locator("#session-history .message.role-user")).to_have_text(
        re.compile("I live in Delhi")
    )

    # The fact appears once extraction has run, with its validity and its message.
    page.get_by_role("link", name="Facts").click()
    refresh_until(page, "#facts-refresh", lambda: fact_card(page, "Lives in Delhi").count() == 1)
    delhi = fact_card(page, "Lives in Delhi")
    expect(delhi.locator(".badge")).to_have_text("current")
    expect(delhi).to_contain_text("valid from")
    delhi.get_by_role("button", name="Show where “Lives in Delhi” came from").click()
    expect(delhi.locator("blockquote")).to_have_text("I live in Delhi")
    expect(delhi.locator("figcaption")).to_contain_text("first-chat")
    delhi.get_by_role("button", name="Open session first-chat").click()
    said = page.locator("#session-history .message.highlight")
    expect(said).to_contain_text("I live in Delhi")
    expect(said).to_be_focused()

    # The graph draws the edge, and lists it in words.
    page.get_by_role("link", name="Graph").click()
    expect(page.locator("#graph-relations")).to_contain_text("lives in → Delhi")
    expect(page.locator("#graph-canvas")).to_have_attribute("data-edges", "1")
    assert page.locator("#graph-canvas canvas").count() > 0

    # More of a life, recorded without the model: a move makes Delhi a past fact.
    headers = token_for(server, "ada")
    for content in ("I like chess", "My dog's name is Bruno", "I moved to Mumbai"):
        recorded = httpx.post(
            f"{server.base_url}/api/sessions/first-chat/messages",
            headers=headers,
            json={"messages": [{"role": "user", "content": content}]},
            timeout=30,
        )
        assert recorded.status_code == 201, recorded.text
    refresh_until(page, "#graph-refresh", lambda: "Mumbai" in page.inner_text("#graph-relations"))
    refresh_until(page, "#graph-refresh", lambda: "Bruno" in page.inner_text("#graph-relations"))
    page.get_by_label("Show relations that are no longer valid").check()
    expect(page.locator("#graph-relations li.is-past")).to_contain_text("lives in → Delhi")
    page.screenshot(path=str(screenshots / "dashboard-graph.png"), full_page=True)

    # The time control: the first point in time is when Delhi was true and Mumbai not yet.
    slider = page.get_by_label("Point in time")
    slider.focus()
    page.keyboard.press("Home")
    expect(page.locator("#graph-status")).to_contain_text("valid at")
    expect(page.locator("#graph-relations")).to_contain_text("lives in → Delhi")
    expect(page.locator("#graph-relations")).not_to_contain_text("Mumbai")
    page.get_by_label("As of (date and time)").fill("2001-01-01T00:00:00")
    page.get_by_label("As of (date and time)").dispatch_event("change")
    expect(page.locator("#graph-status")).to_contain_text("No relations valid at")
    page.get_by_role("button", name="Now").click()
    expect(page.locator("#graph-relations")).to_contain_text("lives in → Mumbai")

    # Current and past facts are told apart.
    page.get_by_role("link", name="Facts").click()
    refresh_until(page, "#facts-refresh", lambda: fact_card(page, "Lives in Mumbai").count() == 1)
    past = fact_card(page, "Lives in Delhi", "#facts-past")
    expect(past.locator(".badge")).to_have_text("past")
    expect(past).to_contain_text("to ")
    page.screenshot(path=str(screenshots / "dashboard-facts.png"), full_page=True)

    # Correct a fact; its history records the change.
    chess = fact_card(page, "Likes chess")
    chess.get_by_role("button", name="Edit “Likes chess”").click()
    chess.get_by_label("Value").fill("go")
    chess.get_by_label("Text").fill("Likes go")
    chess.get_by_role("button", name="Save").click()
    go = fact_card(page, "Likes go")
    expect(go).to_have_count(1)
    go.get_by_role("button", name="History of “Likes go”").click()
    expect(go.locator(".events")).to_contain_text("UPDATE")

    # Search shows what chat would recall.
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Question").fill("Where do I live?")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-results li.fact").first).to_contain_text("Lives in Mumbai")

    # Business data, then consolidation: preview first, then apply.
    page.get_by_role("link", name="Data").click()
    page.get_by_label("JSON object").check()
    page.get_by_label("Data", exact=True).fill('{"employer": "Acme"}')
    page.get_by_role("button", name="Add to memory").click()
    expect(page.locator("#data-facts")).to_contain_text("Works at Acme")
    page.get_by_role("link", name="Consolidate").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#consolidate-status")).to_contain_text("Preview:")
    expect(page.locator("#consolidate-decisions li").first).to_be_visible()
    page.screenshot(path=str(screenshots / "dashboard-consolidate.png"), full_page=True)
    # Which decisions come out is the engine's business; the page offers to apply
    # exactly when the preview found a change.
    apply = page.get_by_role("button", name="Apply these changes")
    if "would be made" in page.inner_text("#consolidate-status"):
        apply.click()
        expect(page.locator("#consolidate-status")).to_contain_text("Applied:")
        expect(apply).to_be_disabled()
    else:
        expect(page.locator("#consolidate-status")).to_contain_text("nothing would change")
        expect(apply).to_be_disabled()

    # Sessions keep the history (the message the Delhi fact came from is there).
    page.get_by_role("link", name="Sessions").click()
    page.get_by_role("button", name=re.compile("first-chat")).click()
    expect(page.locator("#session-history")).to_contain_text("I moved to Mumbai")
    # the user's first message, the reply, and the three recorded ones; each once
    expect(page.locator("#session-history .message")).to_have_count(5)
    page.screenshot(path=str(screenshots / "dashboard-sessions.png"), full_page=True)

    # A phone's width: every section reads without sideways scrolling.
    page.set_viewport_size(PHONE)
    for section in ("Facts", "Graph", "Sessions", "Search", "Consolidate", "Data", "Account"):
        page.get_by_role("link", name=section, exact=True).click()
        expect(page.locator(f"#{section.lower()}")).to_be_visible()
        assert no_horizontal_scroll(page), f"{section} scrolls sideways at 375 px"
    page.get_by_role("link", name="Facts", exact=True).click()
    expect(fact_card(page, "Lives in Mumbai")).to_be_visible()
    page.screenshot(path=str(screenshots / "dashboard-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # An API key: created read-only, its secret shown once, working, then revoked.
    page.get_by_role("link", name="Account").click()
    page.locator("#key-name").fill("backup script")
    page.locator("#key-read-only").check()
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#key-secret")
    expect(secret).to_have_text(re.compile(r"^hm_[A-Za-z0-9_-]{43}$"))
    key = {"Authorization": f"Bearer {secret.text_content()}"}
    listed = page.locator("#key-list li.key")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("backup script")
    expect(listed).to_contain_text("read-only")
    me = httpx.get(f"{server.base_url}/api/users/me", headers=key, timeout=30)
    assert me.json()["user_id"] == "ada"
    write = httpx.post(
        f"{server.base_url}/api/session/start", headers=key, json={"session_id": "k"}, timeout=30
    )
    assert write.status_code == 403
    listed.get_by_role("button", name="Revoke…").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke key").click()
    expect(page.locator("#key-status")).to_have_text("Key backup script revoked.")
    expect(listed).to_have_count(0)
    expect(page.locator("#key-secret")).to_be_hidden()
    assert httpx.get(f"{server.base_url}/api/users/me", headers=key, timeout=30).status_code == 401

    # Delete the account, after typing its id to confirm.
    page.get_by_role("button", name="Delete my account…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Delete my account")).to_be_disabled()
    dialog.get_by_label("Type ada to confirm").fill("ada")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#auth-notice")).to_have_text("Your account and its memory were deleted.")
    assert page.evaluate("sessionStorage.getItem('hybridmem.token')") is None
    gone = httpx.post(
        f"{server.base_url}/api/auth/login",
        json={"user_id": "ada", "password": PASSWORD},
        timeout=30,
    )
    assert gone.status_code == 401


def test_the_dashboard_works_with_the_keyboard_alone(page, server):
    signup = httpx.post(
        f"{server.base_url}/api/auth/signup",
        json={"email": "kay@example.com", "password": PASSWORD, "user_id": "kay"},
        timeout=30,
    )
    assert signup.status_code == 201, signup.text
    page.goto(f"{server.base_url}/")

    # The sign-in field has focus; type, Tab, type, Enter.
    expect(page.get_by_label("Email or user id")).to_be_focused()
    page.keyboard.type("kay")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Facts", level=1)).to_be_focused()

    # Tab to the Graph link and open it; focus lands on the section's heading.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Graph":
            break
    focused_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused_outline != "none", "the focused link shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Knowledge graph", level=1)).to_be_focused()

    # A confirmation dialog opens from the keyboard and Escape cancels it.
    page.get_by_role("link", name="Account").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Delete my account…").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_label("Type kay to confirm")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    me = httpx.post(
        f"{server.base_url}/api/auth/login",
        json={"user_id": "kay", "password": PASSWORD},
        timeout=30,
    )
    assert me.status_code == 200, "cancelling must not delete the account"

    # Signing out revokes the token and shows the sign-in form again.
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#auth-notice")).to_have_text("You are signed out.")


def test_api_docs_render_offline_and_authorize_with_the_password_flow(page, server):
    page.goto(f"{server.base_url}/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/api/auth/login").first).to_be_visible()

    signup = httpx.post(
        f"{server.base_url}/api/auth/signup",
        json={"email": "doc@example.com", "password": PASSWORD, "user_id": "doc"},
        timeout=30,
    )
    assert signup.status_code == 201, signup.text
    page.get_by_role("button", name=re.compile("^Authorize")).first.click()
    page.locator("#oauth_username").fill("doc@example.com")
    page.locator("#oauth_password").fill(PASSWORD)
    page.locator(".auth-btn-wrapper .modal-btn.authorize").click()
    modal = page.locator(".modal-ux")
    expect(modal.locator("h6", has_text="Authorized")).to_be_visible()
    expect(modal.get_by_role("button", name="Remove authorization")).to_be_visible()
    modal.locator(".btn-done").click()

    # The token is used: "Try it out" on GET /api/users/me answers 200 with the user.
    me = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/users/me$"))
    )
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    expect(me.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    expect(me.locator(".live-responses-table .microlight").first).to_contain_text("doc@example.com")

    page.goto(f"{server.base_url}/redoc")
    expect(page.get_by_text("/api/auth/signup").first).to_be_attached(timeout=30_000)
