// The temporal knowledge graph: drawn with cytoscape, listed in words below the
// drawing, at any point in time (the API's as_of) or with invalidated relations.

import cytoscape from "../vendor/cytoscape/cytoscape.esm.min.js";
import {api} from "./api.js";
import {byId, formatTime, h, isoToLocal, localToIso, replace, status, time, words} from "./dom.js";

const COLORS = {
  user: "#1f5fbf", person: "#8a3ffc", pet: "#b45309", place: "#0f7b5f",
  organisation: "#9f1239", other: "#4b5563",
};

let cy = null;
let stops = [];          // every time the graph changed (valid_at / invalid_at), sorted
let asOf = null;         // exact ISO time shown, or null for now
let loadSeq = 0;         // drop answers of superseded requests

export function init() {
  const slider = byId("graph-time");
  slider.addEventListener("input", () => {
    const index = Number(slider.value);
    asOf = index >= stops.length ? null : stops[index];
    byId("graph-as-of").value = asOf ? isoToLocal(asOf) : "";
    draw();
  });
  byId("graph-as-of").addEventListener("change", (event) => {
    asOf = localToIso(event.target.value);
    slider.value = String(asOf ? Math.max(0, lastStopAtOrBefore(asOf)) : stops.length);
    draw();
  });
  byId("graph-invalidated").addEventListener("change", () => draw());
  byId("graph-now").addEventListener("click", () => {
    asOf = null;
    byId("graph-as-of").value = "";
    slider.value = String(stops.length);
    draw();
  });
  byId("graph-refresh").addEventListener("click", () => show());
  byId("graph-controls").addEventListener("submit", (event) => event.preventDefault());
}

export async function show() {
  // Every relation ever, to know the points in time where the graph changed.
  try {
    const everything = await api("GET", "/api/memory/graph", {query: {include_invalidated: true}});
    const times = new Set();
    for (const relation of everything.relations) {
      times.add(relation.valid_at);
      if (relation.invalid_at) times.add(relation.invalid_at);
    }
    stops = [...times].sort((a, b) => new Date(a) - new Date(b));
  } catch (error) {
    status(byId("graph-status"), error.message, {error: true});
    return;
  }
  const slider = byId("graph-time");
  slider.max = String(stops.length);
  slider.value = String(asOf ? Math.max(0, lastStopAtOrBefore(asOf)) : stops.length);
  slider.disabled = stops.length === 0;
  await draw();
}

export function hide() {
  if (cy) {
    cy.destroy();
    cy = null;
  }
}

function lastStopAtOrBefore(iso) {
  const at = new Date(iso);
  let found = -1;
  stops.forEach((stop, index) => { if (new Date(stop) <= at) found = index; });
  return found;
}

async function draw() {
  const seq = ++loadSeq;
  const invalidated = byId("graph-invalidated");
  invalidated.disabled = asOf !== null;
  byId("graph-time-label").textContent = asOf ? formatTime(asOf) : "now";
  const query = asOf ? {as_of: asOf} : {include_invalidated: invalidated.checked};
  let graph;
  try {
    graph = await api("GET", "/api/memory/graph", {query});
  } catch (error) {
    status(byId("graph-status"), error.message, {error: true});
    return;
  }
  if (seq !== loadSeq) return;
  const entities = new Map(graph.entities.map((entity) => [entity.key, entity]));
  const when = asOf ? `valid at ${formatTime(asOf)}` : invalidated.checked ? "ever recorded" : "valid now";
  status(byId("graph-status"), graph.relations.length
    ? `${graph.relations.length} relation${graph.relations.length === 1 ? "" : "s"} ${when}.`
    : `No relations ${when}.`);
  renderList(graph.relations, entities);
  renderDrawing(graph.relations, entities);
}

function nameOf(key, entities) {
  const entity = entities.get(key);
  if (!entity) return key;
  return entity.entity_type === "user" ? `You (${entity.name})` : entity.name;
}

function isInvalid(relation) {
  // With as_of, every relation shown was valid then; without, invalid_at means "ended".
  return asOf === null && relation.invalid_at !== null;
}

function renderList(relations, entities) {
  replace(byId("graph-relations"), relations.length
    ? relations.map((relation) => h("li", {class: isInvalid(relation) ? "is-past" : "", dataset: {relationId: relation.relation_id}},
      h("span", {class: "relation"},
        h("strong", {}, nameOf(relation.source, entities)),
        ` — ${words(relation.relation_type)} → `,
        h("strong", {}, nameOf(relation.target, entities))),
      h("span", {class: "fact-meta"},
        h("span", {}, relation.fact),
        h("span", {}, "valid from ", time(relation.valid_at)),
        h("span", {}, "to ", relation.invalid_at ? time(relation.invalid_at) : "now")),
    ))
    : h("li", {class: "empty"}, "Nothing to show at this time."));
}

function renderDrawing(relations, entities) {
  const container = byId("graph-canvas");
  const keys = new Set();
  for (const relation of relations) {
    keys.add(relation.source);
    keys.add(relation.target);
  }
  const nodes = [...keys].map((key) => {
    const entity = entities.get(key);
    const type = entity?.entity_type || "other";
    return {data: {id: key, label: nameOf(key, entities), color: COLORS[type] || COLORS.other, user: type === "user" ? 1 : 0}};
  });
  const edges = relations.map((relation) => ({
    data: {id: relation.relation_id, source: relation.source, target: relation.target, label: words(relation.relation_type)},
    classes: isInvalid(relation) ? "invalid" : "",
  }));
  if (cy) cy.destroy();
  cy = cytoscape({
    container,
    elements: [...nodes, ...edges],
    style: [
      {selector: "node", style: {
        "background-color": "data(color)", label: "data(label)", color: "#111827",
        "font-size": 12, "text-valign": "bottom", "text-margin-y": 6, width: 26, height: 26,
        "text-wrap": "wrap", "text-max-width": 120,
      }},
      {selector: "edge", style: {
        label: "data(label)", "font-size": 11, color: "#1f2937", width: 2,
        "line-color": "#64748b", "target-arrow-color": "#64748b", "target-arrow-shape": "triangle",
        "curve-style": "bezier", "text-rotation": "autorotate",
        "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": 2,
      }},
      {selector: "edge.invalid", style: {"line-style": "dashed", "line-color": "#b91c1c", "target-arrow-color": "#b91c1c", color: "#7f1d1d"}},
    ],
    // The user in the middle, what they relate to around them; starting at angle 0
    // keeps edges of small graphs horizontal, so edge and node labels do not collide.
    layout: {
      name: "concentric", animate: false, minNodeSpacing: 90, padding: 40, startAngle: 0,
      concentric: (node) => (node.data("user") ? 2 : 1), levelWidth: () => 1,
    },
    minZoom: 0.3,
    maxZoom: 3,
  });
  // A graph of two or three nodes would be blown up to fill the box; keep text sizes sane.
  if (cy.zoom() > 1.3) {
    cy.zoom(1.3);
    cy.center();
  }
  container.dataset.nodes = String(nodes.length);
  container.dataset.edges = String(edges.length);
}
