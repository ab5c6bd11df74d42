// Sessions: the list, one session's history, and a chat box (streamed replies).

import {api, postEvents} from "./api.js";
import {confirmAction} from "./confirm.js";
import {announce, busy, byId, formError, h, replace, status, time} from "./dom.js";

const PAGE = 100;

let selected = null;       // the open session's id
let sessionsCursor = null; // next page of the session list
let historyCursor = null;  // next page of the open session's history
let historySeq = 0;        // a newer load of the history makes older ones stop

export function init() {
  byId("sessions-refresh").addEventListener("click", () => show(null, {session: selected}));
  byId("sessions-more").addEventListener("click", () => loadSessions({more: true}));
  byId("history-more").addEventListener("click", () => loadHistory({more: true}));
  byId("session-delete").addEventListener("click", () => removeSelected());

  const newForm = byId("session-new-form");
  newForm.addEventListener("submit", (event) => {
    event.preventDefault();
    formError(newForm, null);
    const sessionId = newForm.elements.namedItem("session_id").value.trim();
    busy(newForm, async () => {
      try {
        const started = await api("POST", "/api/session/start", {json: sessionId ? {session_id: sessionId} : {}});
        newForm.reset();
        await loadSessions();
        await open(started.session_id);
        byId("chat-message").focus();
      } catch (error) {
        formError(newForm, error);
      }
    });
  });

  const chatForm = byId("chat-form");
  chatForm.addEventListener("submit", (event) => {
    event.preventDefault();
    send(chatForm);
  });
  byId("chat-message").addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter makes a new line (as in most chat apps).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      chatForm.requestSubmit();
    }
  });
}

/** Show the section; `session` opens one, `message` highlights one of its messages. */
export async function show(_context, {session = null, message = null} = {}) {
  await loadSessions();
  const target = session || selected;
  if (target) await open(target, {highlight: message});
}

async function loadSessions({more = false} = {}) {
  const list = byId("session-list");
  try {
    const page = await api("GET", "/api/sessions", {query: {limit: PAGE, cursor: more ? sessionsCursor : null}});
    sessionsCursor = page.next_cursor;
    const items = page.items.map(sessionItem);
    if (more) list.append(...items);
    else replace(list, items.length ? items : h("li", {class: "empty"}, "No sessions yet: start one."));
    byId("sessions-more").hidden = !sessionsCursor;
    markSelected();
  } catch (error) {
    status(byId("session-status"), error.message, {error: true});
  }
}

function sessionItem(session) {
  return h("li", {},
    h("button", {
      type: "button", class: "session-button", dataset: {sessionId: session.session_id},
      on: {click: () => open(session.session_id)},
    }, h("span", {class: "session-name"}, session.session_id), h("span", {class: "muted small"}, time(session.created_at))),
  );
}

function markSelected() {
  for (const button of document.querySelectorAll("#session-list .session-button")) {
    if (button.dataset.sessionId === selected) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

async function open(sessionId, {highlight = null} = {}) {
  selected = sessionId;
  markSelected();
  byId("session-title").textContent = `Session ${sessionId}`;
  byId("session-delete").hidden = false;
  byId("chat-form").hidden = false;
  await loadHistory({highlight});
}

async function loadHistory({more = false, highlight = null} = {}) {
  const list = byId("session-history");
  const statusLine = byId("session-status");
  const sessionId = selected;
  const seq = ++historySeq;
  try {
    let cursor = more ? historyCursor : null;
    const items = [];
    // Up to ten pages at once; "Load later messages" continues.
    for (let page = 0; page < 10; page += 1) {
      const body = await api("GET", "/api/history", {query: {session_id: sessionId, limit: PAGE, cursor}});
      if (seq !== historySeq) return;
      items.push(...body.items.map(messageItem));
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    historyCursor = cursor;
    if (more) list.append(...items);
    else replace(list, items);
    byId("history-more").hidden = !historyCursor;
    if (!list.children.length) list.append(h("li", {class: "empty"}, "No messages yet. Say something below."));
    status(statusLine, "");
    if (highlight) {
      const item = list.querySelector(`[data-message-id="${CSS.escape(highlight)}"]`);
      if (item) {
        item.classList.add("highlight");
        item.scrollIntoView({block: "center"});
        item.focus();
      }
    }
  } catch (error) {
    status(statusLine, error.message, {error: true});
  }
}

function messageItem(message) {
  return h("li", {class: `message role-${message.role}`, tabindex: "-1", dataset: {messageId: message.message_id}},
    h("p", {class: "message-meta"}, h("span", {class: "role"}, message.role === "user" ? "You" : message.role), " · ", time(message.occurred_at)),
    h("p", {class: "message-text"}, message.content),
  );
}

async function send(form) {
  formError(form, null);
  const textarea = byId("chat-message");
  const message = textarea.value.trim();
  if (!message) {
    formError(form, {message: "Write a message first."});
    return;
  }
  const list = byId("session-history");
  list.querySelector(".empty")?.remove();
  const mine = h("li", {class: "message role-user pending"},
    h("p", {class: "message-meta"}, h("span", {class: "role"}, "You"), " · sending…"),
    h("p", {class: "message-text"}, message));
  const replyText = h("p", {class: "message-text"}, "");
  const reply = h("li", {class: "message role-assistant pending", "aria-busy": "true"},
    h("p", {class: "message-meta"}, h("span", {class: "role"}, "assistant"), " · thinking…"), replyText);
  list.append(mine, reply);
  reply.scrollIntoView({block: "nearest"});
  textarea.value = "";
  await busy(form, async () => {
    try {
      let done = null;
      await postEvents("/api/chat", {session_id: selected, message, stream: true}, (event, data) => {
        if (event === "delta") replyText.textContent += data.text;
        else if (event === "done") done = data;
        else if (event === "error") throw Object.assign(new Error(data.error?.message || "The model failed"), {details: null});
      });
      if (!done) throw new Error("The reply was cut off; it may still have been stored.");
      const recalled = done.memory.facts_used.map((fact) => fact.text);
      await loadHistory();
      if (recalled.length) {
        byId("session-history").append(h("li", {class: "recall muted small"}, `Memory used: ${recalled.join("; ")}`));
      }
      status(byId("session-status"), "Facts from your message are extracted in the background; see Facts and Graph.");
      announce("Reply received");
    } catch (error) {
      reply.remove();
      mine.classList.remove("pending");
      formError(form, error);
      textarea.value = message;
    }
  });
  textarea.focus();
}

async function removeSelected() {
  const sessionId = selected;
  const sure = await confirmAction({
    title: "Delete this session?",
    text: `Session ${sessionId} and its messages will be hidden now and purged later. Facts already learned stay.`,
    confirmLabel: "Delete session",
  });
  if (!sure) return;
  try {
    await api("DELETE", `/api/sessions/${encodeURIComponent(sessionId)}`);
    selected = null;
    byId("session-title").textContent = "Pick or start a session";
    byId("session-delete").hidden = true;
    byId("chat-form").hidden = true;
    replace(byId("session-history"));
    announce(`Session ${sessionId} deleted`);
    await loadSessions();
    byId("sessions-title").focus();
  } catch (error) {
    status(byId("session-status"), error.message, {error: true});
  }
}
