// Small DOM helpers. Everything the API returns goes into the page as text nodes
// (never innerHTML), so stored text can never become markup.

/** Build an element: h("li", {class: "x", on: {click: f}}, "text", child, ...). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** The element with this id (throws early when the page and the script disagree). */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
}

/** A <time> showing a local date and time, with the ISO value kept for machines. */
export function time(iso) {
  if (!iso) return h("span", {class: "muted"}, "—");
  return h("time", {datetime: iso, title: iso}, formatTime(iso));
}

export function formatTime(iso) {
  const date = new Date(iso);
  return date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

/** "lives_in" → "lives in". */
export function words(identifier) {
  return String(identifier).replaceAll("_", " ");
}

/** Set a status line (a live region) and say whether it is an error. */
export function status(element, message, {error = false} = {}) {
  element.textContent = message || "";
  element.classList.toggle("error", Boolean(error));
}

/** Show an API error in a form's alert line; fields named in the error are marked. */
export function formError(form, error) {
  const alert = form.querySelector(".form-error");
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  if (!error) {
    alert.hidden = true;
    alert.textContent = "";
    return;
  }
  const fields = error.details?.fields || [];
  const lines = fields.length
    ? fields.map((field) => `${field.loc?.slice(-1)[0] ?? "input"}: ${field.message}`)
    : [error.message];
  for (const field of fields) {
    const name = field.loc?.slice(-1)[0];
    const input = name && form.querySelector(`[name="${CSS.escape(String(name))}"]`);
    if (input) input.setAttribute("aria-invalid", "true");
  }
  alert.textContent = lines.join("; ");
  alert.hidden = false;
}

/** Disable a form's controls while a request runs. */
export async function busy(element, work) {
  const controls = element.matches("button") ? [element] : [...element.querySelectorAll("button")];
  for (const control of controls) control.disabled = true;
  element.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    for (const control of controls) control.disabled = false;
    element.removeAttribute("aria-busy");
  }
}

/** Announce something to screen readers. */
export function announce(message) {
  const announcer = byId("announcer");
  announcer.textContent = "";
  // A change after a tick is what makes screen readers read the same text twice.
  setTimeout(() => { announcer.textContent = message; }, 50);
}

/** A local datetime-local value → ISO 8601 in UTC (what the API wants), or null. */
export function localToIso(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** ISO 8601 → a datetime-local value in local time, to the second. */
export function isoToLocal(iso) {
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
