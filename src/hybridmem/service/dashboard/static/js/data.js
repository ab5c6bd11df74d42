// Business data: a sentence or a JSON object of labelled values into memory.

import {api} from "./api.js";
import {busy, byId, formError, h, localToIso, replace, status} from "./dom.js";
import {factCard} from "./facts.js";

export function init() {
  const form = byId("data-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    formError(form, null);
    const kind = form.elements.namedItem("kind").value;
    const raw = form.elements.namedItem("data").value.trim();
    if (!raw) {
      formError(form, {message: "Enter some data first."});
      return;
    }
    let data = raw;
    if (kind === "json") {
      try {
        data = JSON.parse(raw);
      } catch (error) {
        formError(form, {message: `Not valid JSON: ${error.message}`});
        return;
      }
      if (data === null || typeof data !== "object" || Array.isArray(data)) {
        formError(form, {message: "Give a JSON object, such as {\"city\": \"Pune\"}."});
        return;
      }
    }
    const body = {data};
    const occurredAt = localToIso(form.elements.namedItem("occurred_at").value);
    if (occurredAt) body.occurred_at = occurredAt;
    busy(form, async () => {
      try {
        const result = await api("POST", "/api/memory/data", {json: body});
        const count = result.facts.length;
        status(byId("data-status"), count
          ? `${count} fact${count === 1 ? "" : "s"} added or changed.`
          : "Stored, but no fact could be read from it.");
        replace(byId("data-facts"), result.facts.map((fact) => factCard(fact, {actions: false})));
        form.elements.namedItem("data").value = "";
      } catch (error) {
        formError(form, error);
      }
    });
  });
}

export function show() {}
