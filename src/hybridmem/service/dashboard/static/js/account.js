// The account: profile and deletion (with a typed confirmation).

import {api, session} from "./api.js";
import {confirmAction} from "./confirm.js";
import {byId, h, replace, status, time} from "./dom.js";

let context = null;

export function init(shared) {
  context = shared;
  byId("account-delete").addEventListener("click", () => removeAccount());
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
