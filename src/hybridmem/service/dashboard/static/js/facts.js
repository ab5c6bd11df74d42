// Facts, current and past, with validity, provenance, history, correction and deletion.

import {allPages, api} from "./api.js";
import {confirmAction} from "./confirm.js";
import {announce, busy, byId, formError, h, replace, status, time, words} from "./dom.js";

let context = null;

export function init(shared) {
  context = shared;
  byId("facts-refresh").addEventListener("click", () => load());
}

export function show() {
  load();
}

/** Load every fact (current and past) and draw both lists. */
export async function load() {
  const statusLine = byId("facts-status");
  status(statusLine, "Loading facts…");
  try {
    const {items, complete} = await allPages("/api/memory/facts", {include_invalidated: true});
    const current = items.filter((fact) => fact.valid_to === null);
    const past = items.filter((fact) => fact.valid_to !== null);
    replace(byId("facts-current"), current.length ? current.map(factItem) : empty("No current facts yet. Chat in Sessions, or add data."));
    replace(byId("facts-past"), past.length ? past.map(factItem) : empty("No past facts."));
    const more = complete ? "" : " (the oldest are not shown)";
    status(statusLine, `${current.length} current, ${past.length} past${more}.`);
  } catch (error) {
    status(statusLine, error.message, {error: true});
  }
}

function empty(text) {
  return h("li", {class: "empty"}, text);
}

/** One fact as a list item (also used by search, data and consolidation). */
export function factCard(fact, {actions = true, extra = null} = {}) {
  const isPast = fact.valid_to !== null;
  const detail = h("div", {class: "fact-detail", hidden: true});
  const item = h("li", {class: `fact${isPast ? " is-past" : ""}`, dataset: {factId: fact.fact_id}},
    h("div", {class: "fact-head"},
      h("p", {class: "fact-text"}, fact.text),
      h("span", {class: `badge ${isPast ? "past" : "current"}`}, isPast ? "past" : "current"),
      extra,
    ),
    h("p", {class: "fact-meta"},
      h("span", {}, `${words(fact.attribute)}: `, h("strong", {}, fact.value),
        fact.qualifier ? ` (${fact.qualifier})` : ""),
      h("span", {}, "valid from ", time(fact.valid_from)),
      h("span", {}, "to ", isPast ? time(fact.valid_to) : h("span", {}, "now")),
      h("span", {class: "muted"}, `source ${fact.source}, confidence ${fact.confidence.toFixed(2)}`),
    ),
    provenance(fact, detail),
    actions ? factActions(fact, detail) : null,
    detail,
  );
  return item;
}

function factItem(fact) {
  return factCard(fact);
}

function provenance(fact, detail) {
  if (!fact.provenance.length) {
    return h("p", {class: "fact-provenance muted"}, "Not from a chat message (data or consolidation).");
  }
  const several = fact.provenance.length > 1;
  return h("p", {class: "fact-provenance"},
    "Came from ",
    fact.provenance.flatMap((messageId, index) => [index ? ", " : null, h("button", {
      type: "button",
      class: "link",
      "aria-label": `Show where “${fact.text}” came from${several ? ` (source ${index + 1})` : ""}`,
      on: {click: () => showMessage(messageId, detail)},
    }, several ? `source ${index + 1}` : "this message")]),
  );
}

async function showMessage(messageId, detail) {
  detail.hidden = false;
  replace(detail, h("p", {class: "muted"}, "Loading the message…"));
  try {
    const message = await api("GET", `/api/messages/${encodeURIComponent(messageId)}`);
    replace(detail,
      h("figure", {class: "quote"},
        h("blockquote", {}, message.content),
        h("figcaption", {},
          `${message.role} in session `, h("strong", {}, message.session_id), ", ", time(message.occurred_at), " ",
          h("button", {
            type: "button", class: "button small",
            on: {click: () => context.go("sessions", {session: message.session_id, message: message.message_id})},
          }, `Open session ${message.session_id}`),
        ),
      ),
    );
  } catch (error) {
    // Provenance also names business data episodes (the Data section), which are not
    // chat messages; a deleted session's messages are gone too.
    const text = error.status === 404
      ? "Not a stored chat message: this came from business data (the Data section), or the message was deleted since."
      : error.message;
    replace(detail, h("p", {class: "error"}, text));
  }
}

function factActions(fact, detail) {
  return h("div", {class: "fact-actions"},
    h("button", {type: "button", class: "button small", on: {click: () => showHistory(fact, detail)}},
      "History", h("span", {class: "visually-hidden"}, ` of “${fact.text}”`)),
    h("button", {type: "button", class: "button small", on: {click: () => editForm(fact, detail)}},
      "Edit", h("span", {class: "visually-hidden"}, ` “${fact.text}”`)),
    h("button", {type: "button", class: "button small danger", on: {click: () => remove(fact)}},
      "Delete", h("span", {class: "visually-hidden"}, ` “${fact.text}”`)),
  );
}

async function showHistory(fact, detail) {
  detail.hidden = false;
  replace(detail, h("p", {class: "muted"}, "Loading the history…"));
  try {
    const events = await api("GET", `/api/memory/facts/${encodeURIComponent(fact.fact_id)}/history`);
    replace(detail,
      h("h3", {}, "History"),
      h("ol", {class: "events"}, events.map((event) => h("li", {},
        h("span", {class: `badge kind-${event.kind.toLowerCase()}`}, event.kind), " ", time(event.at),
        changes(event.old, event.new),
        event.reason ? h("span", {class: "muted"}, ` (${event.reason})`) : null,
      ))),
    );
  } catch (error) {
    replace(detail, h("p", {class: "error"}, error.message));
  }
}

const SHOWN = ["text", "value", "qualifier", "valid_from", "valid_to", "superseded_by"];

function changes(before, after) {
  const lines = [];
  for (const key of SHOWN) {
    const old = before?.[key] ?? null;
    const now = after?.[key] ?? null;
    if (old === now || (old === null && now === null)) continue;
    if (before === null) lines.push(`${key}: ${now}`);
    else lines.push(`${key}: ${old ?? "—"} → ${now ?? "—"}`);
  }
  return lines.length ? h("ul", {class: "changes"}, lines.map((line) => h("li", {}, line))) : null;
}

function editForm(fact, detail) {
  detail.hidden = false;
  const valueId = `edit-value-${fact.fact_id}`;
  const textId = `edit-text-${fact.fact_id}`;
  const form = h("form", {class: "edit-form", novalidate: true},
    h("h3", {}, "Correct this fact"),
    h("label", {for: valueId}, "Value"),
    h("input", {id: valueId, name: "value", value: fact.value, required: true, maxlength: 1000}),
    h("label", {for: textId}, "Text"),
    h("input", {id: textId, name: "text", value: fact.text, required: true, maxlength: 2000}),
    h("p", {class: "form-error", role: "alert", hidden: true}),
    h("div", {class: "row"},
      h("button", {type: "submit", class: "button primary"}, "Save"),
      h("button", {type: "button", class: "button", on: {click: () => { detail.hidden = true; }}}, "Cancel"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const patch = {};
    const value = form.elements.namedItem("value").value.trim();
    const text = form.elements.namedItem("text").value.trim();
    if (value && value !== fact.value) patch.value = value;
    if (text && text !== fact.text) patch.text = text;
    if (!Object.keys(patch).length) {
      formError(form, {message: "Change the value or the text first."});
      return;
    }
    busy(form, async () => {
      try {
        const saved = await api("PATCH", `/api/memory/facts/${encodeURIComponent(fact.fact_id)}`, {json: patch});
        announce(`Saved: ${saved.text}`);
        await load();
        focusFact(saved.fact_id);
      } catch (error) {
        formError(form, error);
      }
    });
  });
  replace(detail, form);
  form.elements.namedItem("value").focus();
}

async function remove(fact) {
  const sure = await confirmAction({
    title: "Delete this fact?",
    text: `“${fact.text}” will be forgotten (its history keeps a record that it was deleted).`,
    confirmLabel: "Delete fact",
  });
  if (!sure) return;
  try {
    await api("DELETE", `/api/memory/facts/${encodeURIComponent(fact.fact_id)}`);
    announce(`Deleted: ${fact.text}`);
    await load();
    byId("facts-title").focus();
  } catch (error) {
    status(byId("facts-status"), error.message, {error: true});
  }
}

function focusFact(factId) {
  const item = document.querySelector(`#facts [data-fact-id="${CSS.escape(factId)}"] .fact-actions button`);
  if (item) item.focus();
}
