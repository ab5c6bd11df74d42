// Search: what memory answers for a question (POST /api/memory/search).

import {api} from "./api.js";
import {busy, byId, formError, h, replace, status, words} from "./dom.js";
import {factCard} from "./facts.js";

/**
 * The search answer as the page shows it: how the question was read, and ranked items.
 * The one place that knows the response's shape, so a change of it is a local edit.
 */
export function readAnswer(body) {
  return {
    intent: body.intent,
    attributes: body.attributes || [],
    items: (body.results || []).map((result) => ({fact: result.fact, score: result.score})),
  };
}

export function init() {
  const form = byId("search-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    formError(form, null);
    const query = form.elements.namedItem("query").value.trim();
    if (!query) {
      formError(form, {message: "Type a question first."});
      return;
    }
    busy(form, async () => {
      const statusLine = byId("search-status");
      status(statusLine, "Searching…");
      try {
        const answer = readAnswer(await api("POST", "/api/memory/search", {json: {query, limit: 10}}));
        const reading = answer.attributes.length
          ? `${words(answer.intent)} question about ${answer.attributes.map(words).join(", ")}`
          : `${words(answer.intent)} question`;
        status(statusLine, `${answer.items.length} result${answer.items.length === 1 ? "" : "s"} (read as a ${reading}).`);
        replace(byId("search-results"), answer.items.length
          ? answer.items.map((item) => factCard(item.fact, {
            actions: false,
            extra: h("span", {class: "score", title: "relevance"}, `score ${item.score.toFixed(2)}`),
          }))
          : h("li", {class: "empty"}, "Nothing in memory matches."));
      } catch (error) {
        status(statusLine, "");
        formError(form, error);
      }
    });
  });
}

export function show() {
  byId("search-query").focus();
}
