// Consolidation: preview the decisions (dry run), then apply them.

import {api} from "./api.js";
import {busy, byId, h, replace, status, words} from "./dom.js";

const EXPLAIN = {
  merge: "duplicates merged into one fact",
  invalidate: "closed: a newer fact replaces it",
  add: "added from what the graph knows",
  keep: "kept as it is",
};

export function init() {
  byId("consolidate-preview").addEventListener("click", (event) => run(event.currentTarget, true));
  byId("consolidate-apply").addEventListener("click", (event) => run(event.currentTarget, false));
}

export function show() {
  byId("consolidate-apply").disabled = true;
  replace(byId("consolidate-decisions"));
  status(byId("consolidate-status"), "");
}

async function run(button, dryRun) {
  const statusLine = byId("consolidate-status");
  status(statusLine, dryRun ? "Working out what would change…" : "Applying…");
  await busy(button, async () => {
    try {
      const report = await api("POST", "/api/memory/consolidate", {json: {dry_run: dryRun}});
      render(report);
      const changes = report.decisions.filter((decision) => decision.kind !== "keep").length;
      if (dryRun) {
        status(statusLine, changes
          ? `Preview: ${changes} change${changes === 1 ? "" : "s"} would be made. Nothing has changed yet.`
          : "Preview: memory is already consolidated; nothing would change.");
        byId("consolidate-apply").disabled = !changes;
      } else {
        status(statusLine, report.changed
          ? `Applied: ${report.added} added, ${report.updated} updated, ${report.deleted} deleted.`
          : "Applied: nothing needed to change.");
        byId("consolidate-apply").disabled = true;
      }
    } catch (error) {
      status(statusLine, error.message, {error: true});
    }
  });
  // busy() re-enabled the apply button; keep it off until a preview offers changes.
  if (!dryRun) byId("consolidate-apply").disabled = true;
}

function render(report) {
  const changes = report.decisions.filter((decision) => decision.kind !== "keep");
  const kept = report.decisions.filter((decision) => decision.kind === "keep");
  const list = byId("consolidate-decisions");
  replace(list, changes.map(decisionItem));
  if (kept.length) {
    // What stays as it is matters less: folded away, one click to see it.
    list.append(h("li", {class: "kept"},
      h("details", {},
        h("summary", {}, `${kept.length} kept as ${kept.length === 1 ? "it is" : "they are"}`),
        h("ul", {class: "decision-list"}, kept.map(decisionItem)))));
  }
  if (!report.decisions.length) list.append(h("li", {class: "empty"}, "No facts to consolidate."));
}

function decisionItem(decision) {
  return h("li", {class: `decision kind-${decision.kind}`},
    h("span", {class: `badge kind-${decision.kind}`}, decision.kind),
    h("span", {class: "decision-text"}, decision.fact.text,
      decision.result && decision.result.text !== decision.fact.text ? ` → ${decision.result.text}` : ""),
    h("span", {class: "muted small"},
      ` ${EXPLAIN[decision.kind] || words(decision.kind)}`,
      decision.duplicates.length ? ` (${decision.duplicates.length} duplicate${decision.duplicates.length === 1 ? "" : "s"})` : "",
      ` · in ${decision.store === "graph" ? "the graph" : decision.store}`),
  );
}
