// The JSON API, as the dashboard uses it. The token is kept in this tab's
// sessionStorage (gone when the tab closes) and sent as a bearer header; cookies are
// never sent (credentials: "omit"), so no other site can make requests in the user's name.

const TOKEN_KEY = "hybridmem.token";
const EXPIRES_KEY = "hybridmem.token_expires_at";
const DEFAULT_TIMEOUT_MS = 30_000;

/** An error answer of the API: {"error": {"code", "message", "details"}}. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const listeners = new Set();

export const session = {
  /** The bearer token, or null when signed out or expired. */
  get token() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const expiresAt = Number(sessionStorage.getItem(EXPIRES_KEY) || 0);
    if (token && expiresAt && Date.now() >= expiresAt) {
      this.clear();
      return null;
    }
    return token;
  },
  save(token, expiresIn) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + expiresIn * 1000));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
  },
  /** Called with a reason when the server refuses the token (expired, revoked). */
  onEnded(listener) {
    listeners.add(listener);
  },
};

/**
 * Call the API. `query` becomes the query string, `json` the body.
 * Resolves to the parsed body (null for 204); rejects with ApiError.
 */
export async function api(method, path, {query, json, form, timeout = DEFAULT_TIMEOUT_MS} = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  const headers = {Accept: "application/json"};
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  let response;
  try {
    response = await fetch(url, {
      method, headers, body, credentials: "omit", cache: "no-store",
      signal: AbortSignal.timeout(timeout),
    });
  } catch (error) {
    const what = error.name === "TimeoutError" ? "The server took too long to answer" : "The server cannot be reached";
    throw new ApiError(0, "network", `${what}; try again.`, null);
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = parsed?.error || {};
    if (response.status === 401 && token) {
      session.clear();
      for (const listener of listeners) listener("Your session has ended. Please sign in again.");
    }
    throw new ApiError(response.status, error.code || "http_error",
      error.message || `HTTP ${response.status}`, error.details || null);
  }
  return parsed;
}

/** Every item of a paged list (`items` + `next_cursor`), up to `maxPages` pages. */
export async function allPages(path, query = {}, {maxPages = 20, limit = 100} = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const body = await api("GET", path, {query: {...query, limit, cursor}});
    items.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) return {items, complete: true};
  }
  return {items, complete: false};
}

/** Sign in with an email or a user id; stores the token. */
export async function signIn(identifier, password) {
  const credentials = identifier.includes("@")
    ? {email: identifier, password}
    : {user_id: identifier, password};
  const token = await api("POST", "/api/auth/login", {json: credentials});
  session.save(token.access_token, token.expires_in);
}

/** Revoke the token on the server, then forget it here. */
export async function signOut() {
  try {
    if (session.token) await api("POST", "/api/auth/logout");
  } finally {
    session.clear();
  }
}

/**
 * POST and read server-sent events (chat with stream=true): `onEvent(name, data)` for
 * each event. Errors before the stream starts are plain HTTP errors (ApiError).
 */
export async function postEvents(path, json, onEvent, {timeout = 300_000} = {}) {
  const headers = {Accept: "text/event-stream", "Content-Type": "application/json"};
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(new URL(path, window.location.origin), {
      method: "POST", headers, body: JSON.stringify(json), credentials: "omit", cache: "no-store",
      signal: AbortSignal.timeout(timeout),
    });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached; try again.", null);
  }
  if (!response.ok || !(response.headers.get("content-type") || "").startsWith("text/event-stream")) {
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch {
      error = {};
    }
    if (response.status === 401 && token) {
      session.clear();
      for (const listener of listeners) listener("Your session has ended. Please sign in again.");
    }
    throw new ApiError(response.status, error.code || "http_error", error.message || `HTTP ${response.status}`, error.details || null);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      onEvent(name, data.length ? JSON.parse(data.join("\n")) : null);
    }
  }
}
