// Fetch wrapper for the server's JSON API (architecture §5, §5a).
//
// Every sync request carries X-Client-Time (the phone's clock) so the server can flag clock
// skew, and X-CSRFToken (fresh from GET /api/v1/me at the start of each pass).

export class NetworkError extends Error {
  constructor(cause) {
    super("network error");
    this.name = "NetworkError";
    this.cause = cause;
  }
}

async function request(url, options = {}) {
  try {
    return await fetch(url, { credentials: "same-origin", ...options });
  } catch (error) {
    throw new NetworkError(error);
  }
}

async function jsonOrNull(response) {
  try {
    return await response.json();
  } catch (_) {
    return null;
  }
}

/** The server's message for a failed answer: field messages when it gave them. */
export function errorMessage(body, status) {
  if (!body) return `HTTP ${status}`;
  if (body.errors && typeof body.errors === "object") {
    const texts = Object.values(body.errors).flat().filter(Boolean);
    if (texts.length) return texts.join(" ");
  }
  return body.message || `HTTP ${status}`;
}

// Until a one-time password from the admin is changed, the server answers every API route but
// /api/v1/me and /api/v1/session with 403 {"error": "password_change_required"} (architecture
// §5): the phone keeps its entries and sends the guard to the server's password page.
export const PASSWORD_PAGE = "/account/password";

/** True for the server's "change your password first" answer ({status, body}). */
export function passwordChangeRequired(response) {
  return Boolean(response && response.status === 403 && response.body && response.body.error === "password_change_required");
}

/** Open the password page ("Byt lösenord först"); the app comes back after the change. */
export function openPasswordPage() {
  location.assign(PASSWORD_PAGE);
}

/** {user, csrf_token}; user is null when the session is gone. Throws NetworkError offline. */
export async function getMe() {
  const response = await request("/api/v1/me", { cache: "no-store" });
  if (!response.ok) throw new NetworkError(new Error(`HTTP ${response.status}`));
  return response.json();
}

/** Log in; returns {ok, status, message, me}. */
export async function login(username, password) {
  const me = await getMe();
  const response = await request("/api/v1/session", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": me.csrf_token },
    body: JSON.stringify({ username, password }),
  });
  const body = await jsonOrNull(response);
  if (!response.ok) return { ok: false, status: response.status, error: body?.error, message: errorMessage(body, response.status) };
  return { ok: true, status: response.status, me: body };
}

// A right password of a user with a second factor answers 401 "second_factor_required" and
// logs nobody in; the code goes here within 5 minutes (issue 27). A user who must set one up
// first gets "second_factor_setup_required" and the server's set-up page.
export const SECOND_STEP_SETUP_PAGE = "/login/setup";

/** The second step of logging in; returns {ok, status, error, message, me} like login(). */
export async function secondStep(code) {
  const me = await getMe();
  const response = await request("/api/v1/session/second-step", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": me.csrf_token },
    body: JSON.stringify({ code }),
  });
  const body = await jsonOrNull(response);
  if (!response.ok) return { ok: false, status: response.status, error: body?.error, message: errorMessage(body, response.status) };
  return { ok: true, status: response.status, me: body };
}

/** GET a JSON resource: {ok, status, body}. Throws NetworkError when no answer came. */
export async function getJson(url) {
  const response = await request(url, { cache: "no-store" });
  return { ok: response.ok, status: response.status, body: await jsonOrNull(response) };
}

/**
 * A JSON request that is not a record of the night (a device's push subscription): sent now,
 * with a fresh CSRF token, never queued. {ok, status, body, message}; throws NetworkError.
 */
export async function sendJson(method, url, data) {
  const me = await getMe();
  const response = await request(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": me.csrf_token },
    body: JSON.stringify(data),
  });
  const body = await jsonOrNull(response);
  return { ok: response.ok, status: response.status, body, message: response.ok ? null : errorMessage(body, response.status) };
}

export async function logout() {
  const me = await getMe();
  await request("/api/v1/session", { method: "DELETE", headers: { "X-CSRFToken": me.csrf_token } });
}

/** GET /api/v1/sites with If-None-Match; {status: 200, sites, etag} or {status: 304}. */
export async function getSites(etag) {
  const headers = etag ? { "If-None-Match": `"${etag}"` } : {};
  const response = await request("/api/v1/sites", { headers, cache: "no-store" });
  if (response.status === 304) return { status: 304 };
  if (!response.ok) return { status: response.status };
  const raw = response.headers.get("ETag") || "";
  return { status: 200, sites: await response.json(), etag: raw.replace(/^W\//, "").replace(/"/g, "") };
}

/**
 * Send one outbox entry with its body (a JSON object or a Blob); returns {status, body,
 * retryAfter}. Throws NetworkError when no answer came.
 */
export async function sendEntry(entry, csrfToken, entryBody = entry.body) {
  const headers = {
    ...entry.headers,
    "X-CSRFToken": csrfToken,
    "X-Client-Time": new Date().toISOString(),
  };
  let body = entryBody;
  if (body !== null && body !== undefined && !(body instanceof Blob)) {
    body = JSON.stringify(body);
    headers["Content-Type"] = headers["Content-Type"] || "application/json";
  }
  const response = await request(entry.url, { method: entry.method, headers, body, cache: "no-store" });
  const retryAfter = Number(response.headers.get("Retry-After")) || 0;
  return { status: response.status, body: await jsonOrNull(response), retryAfter };
}

/**
 * Send JSON records in one POST /api/v1/batch (architecture §5, "Batches"): {status, body,
 * retryAfter}, where body.results holds each entry's own answer {id, url, status, body,
 * retry_after}. Throws NetworkError when no answer came.
 */
export async function sendBatch(entries, csrfToken) {
  const response = await request("/api/v1/batch", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-CSRFToken": csrfToken,
      "X-Client-Time": new Date().toISOString(),
    },
    body: JSON.stringify({ entries: entries.map((e) => ({ id: e.id, method: e.method, url: e.url, body: e.body })) }),
    cache: "no-store",
  });
  const retryAfter = Number(response.headers.get("Retry-After")) || 0;
  return { status: response.status, body: await jsonOrNull(response), retryAfter };
}
