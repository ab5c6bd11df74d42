// One modal confirmation dialog (<dialog>: focus is trapped and Escape cancels natively).

import {byId} from "./dom.js";

/**
 * Ask before something destructive. With `typed`, the user must type that text first.
 * Resolves to true when confirmed.
 */
export function confirmAction({title, text, confirmLabel = "Confirm", typed = null}) {
  const dialog = byId("confirm-dialog");
  const form = byId("confirm-form");
  const input = byId("confirm-input");
  const ok = byId("confirm-ok");
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  ok.textContent = confirmLabel;
  byId("confirm-typed").hidden = typed === null;
  input.value = "";
  if (typed !== null) {
    byId("confirm-input-label").textContent = `Type ${typed} to confirm`;
  }
  const matches = () => typed === null || input.value.trim() === typed;
  ok.disabled = !matches();
  return new Promise((resolve) => {
    const onInput = () => { ok.disabled = !matches(); };
    const onCancel = () => dialog.close("cancel");
    const onSubmit = (event) => {
      event.preventDefault();
      if (matches()) dialog.close("ok");
    };
    const onClose = () => {
      input.removeEventListener("input", onInput);
      byId("confirm-cancel").removeEventListener("click", onCancel);
      form.removeEventListener("submit", onSubmit);
      resolve(dialog.returnValue === "ok");
    };
    input.addEventListener("input", onInput);
    byId("confirm-cancel").addEventListener("click", onCancel);
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose, {once: true});
    dialog.returnValue = "";
    dialog.showModal();
    (typed === null ? byId("confirm-cancel") : input).focus();
  });
}
