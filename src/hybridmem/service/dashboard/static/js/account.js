// The account: profile, API keys (create, shown once; list; revoke) and deletion (with
// a typed confirmation).

import {api, session} from "./api.js";
import {confirmAction} from "./confirm.js";
import {announce, busy, byId, formError, h, replace, status, time} from "./dom.js";

let context = null;

export function init(shared) {
  context = shared;
  byId("account-delete").addEventListener("click", () => removeAccount());
  byId("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    createKey(event.currentTarget);
  });
}

export function show(shared) {
  const user = shared.user;
  const rows = [
    ["User id", user.user_id],
    ["Email", user.email],
    ["Name", [user.first_name, user.last_name].filter(Boolean).join(" ") || "—"],
    ["Member since", time(user.created_at)],
  ];
  replace(byId("account-profile"), rows.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]));
  byId("key-created").hidden = true;
  byId("key-secret").textContent = "";
  listKeys();
}

async function listKeys() {
  try {
    const keys = (await api("GET", "/api/keys")).items;
    replace(byId("key-list"), keys.length
      ? keys.map(keyItem)
      : h("li", {class: "muted"}, "No API keys yet."));
  } catch (error) {
    status(byId("key-status"), error.message, {error: true});
  }
}

function keyItem(key) {
  return h("li", {class: "key", dataset: {keyId: key.key_id}},
    h("span", {class: "key-name"}, key.name),
    " ", h("code", {}, `${key.prefix}…`),
    " ", h("span", {class: "badge"}, key.read_only ? "read-only" : "read-write"),
    h("span", {class: "muted"}, " created ", time(key.created_at), ", last used ", time(key.last_used_at)),
    " ", h("button", {type: "button", class: "button danger", on: {click: () => revokeKey(key)}},
      "Revoke…"));
}

async function createKey(form) {
  formError(form, null);
  const name = form.elements.namedItem("name").value.trim();
  if (!name) {
    formError(form, {message: "Give the key a name, such as the program that will use it."});
    return;
  }
  const readOnly = form.elements.namedItem("read_only").checked;
  await busy(form, async () => {
    try {
      const created = await api("POST", "/api/keys", {json: {name, read_only: readOnly}});
      byId("key-secret").textContent = created.key;
      byId("key-created").hidden = false;
      form.reset();
      announce(`Key ${created.name} created. Copy it now: it is shown only once.`);
      await listKeys();
    } catch (error) {
      formError(form, error);
    }
  });
}

async function revokeKey(key) {
  const sure = await confirmAction({
    title: "Revoke this key?",
    text: `Programs using “${key.name}” (${key.prefix}…) are refused from their next request.`,
    confirmLabel: "Revoke key",
  });
  if (!sure) return;
  try {
    await api("DELETE", `/api/keys/${encodeURIComponent(key.key_id)}`);
    byId("key-created").hidden = true;
    status(byId("key-status"), `Key ${key.name} revoked.`);
    await listKeys();
  } catch (error) {
    status(byId("key-status"), error.message, {error: true});
  }
}

async function removeAccount() {
  const user = context.user;
  const sure = await confirmAction({
    title: "Delete your account?",
    text: "Your account and all your memory (sessions, messages, facts, graph) are deleted for good.",
    confirmLabel: "Delete my account",
    typed: user.user_id,
  });
  if (!sure) return;
  try {
    await api("DELETE", "/api/users/me");
    session.clear();
    context.signedOut("Your account and its memory were deleted.");
  } catch (error) {
    status(byId("account-status"), error.message, {error: true});
  }
}
