// The sync engine: replays the outbox against the server (architecture §5, the rules exactly).
//
//  2xx                      -> delivered: the entry leaves the outbox
//  network error            -> stays; backoff with jitter; the pass stops (no network)
//  5xx, 408, 429            -> stays; backoff with jitter (429: at least Retry-After)
//  401                      -> stays; the pass stops; the guard is asked to log in again
//  403 {"error": "password_change_required"}
//                           -> stays (never "needs_attention"); the pass stops; the password
//                              page opens (a one-time password must be changed first)
//  403 {"error": "csrf"}    -> fresh token from /api/v1/me and one retry
//  other 4xx                -> stays, state "needs_attention" with the server's message
//
// Triggers: app start, `online`, `visibilitychange` (visible), a timer while entries wait,
// Background Sync (the service worker asks an open window), an outbox change, "Skicka nu".
// One pass at a time (across tabs too); a trigger during a pass runs one more pass after it.
//
// Order: one request at a time, in outbox order (priority, then oldest); an entry never starts
// before its parent (dependsOn) has been delivered, nor while it waits for its position
// (outbox.js: such an entry is skipped until the position came or its time passed).
//
// Other features: onSyncComplete(fn) runs after each pass; records.js record() queues records.

import * as api from "./api.js";
import { deleteValue, getValue, setValue } from "./db.js";
import * as outbox from "./outbox.js";

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const POLL_WHILE_PENDING_MS = 30 * 1000;
const LOCK_RETRY_MS = 1000;
// Delivered entries are removed from IndexedDB this many at a time (and at the end of a round).
const REMOVE_BATCH = 10;

const completeCallbacks = new Set();
const deliveredCallbacks = new Set();
const stateListeners = new Set();

let running = null;
let again = false;
let timer = null;
let currentPass = null;
// Consecutive passes that could not reach the server: the timer backs off as well, so a
// phone with a dead network does not call the server (and wake the radio) every few ms.
let networkFailures = 0;
let passBackoffUntil = 0;
// The user of the server session, as of the last pass: only their entries are sent (and timed).
let sessionUser = null;

function sendableBy(user) {
  return (entry) => entry.user === null || entry.user === undefined || entry.user === user;
}

/** What the screens show: syncing now, login needed, last error. */
export const syncState = {
  syncing: false,
  needsLogin: false,
  lastPassAt: null,
  lastResult: null,
};

function setState(changes) {
  Object.assign(syncState, changes);
  for (const fn of stateListeners) fn(syncState);
}

/** fn(state) whenever syncState changes. */
export function onSyncState(fn) {
  stateListeners.add(fn);
  return () => stateListeners.delete(fn);
}

/**
 * fn(result) after every sync pass: {sent, failed, needsLogin, offline, pending}.
 * For other features (push, SOS) that want to react once records have reached the server.
 */
export function onSyncComplete(fn) {
  completeCallbacks.add(fn);
  return () => completeCallbacks.delete(fn);
}

/**
 * fn(entry, body) when an entry was delivered, with the server's answer (a typed code's
 * check-in learns its checkpoint this way). Called once per delivery; failures are logged.
 */
export function onDelivered(fn) {
  deliveredCallbacks.add(fn);
  return () => deliveredCallbacks.delete(fn);
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
export function backoffDelay(attempts, retryAfterSeconds = 0) {
  const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const delay = exp / 2 + Math.random() * (exp / 2);
  return Math.max(delay, retryAfterSeconds * 1000);
}

/** Ask for a pass now (or right after the running one). Resolves when it has finished. */
export function requestSync() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        await runPassAlone();
      } while (again);
    } finally {
      running = null;
    }
  })();
  return running;
}

// --- logging out, also offline -------------------------------------------------------------

const PENDING_LOGOUT = "pendingLogout";

/**
 * End the server session; offline, the logout is kept and sent first thing when the phone
 * has a network again. Until then nothing is sent under the old session. True once done.
 */
export async function logOut() {
  await setValue(PENDING_LOGOUT, true);
  return settlePendingLogout();
}

/** Send a logout made offline (before a login, before a sync pass). True when none is left. */
export async function settlePendingLogout() {
  if (!(await getValue(PENDING_LOGOUT))) return true;
  try {
    await api.logout();
  } catch (_) {
    return false; // still offline: try again later
  }
  await deleteValue(PENDING_LOGOUT);
  return true;
}

/** "Skicka nu": everything waiting becomes due at once, then a pass. */
export async function sendNow() {
  passBackoffUntil = 0;
  await outbox.makeAllDue();
  return requestSync();
}

/** The server says the session is gone (GET /api/v1/me without a user): ask for a login. */
export function needLogin() {
  setState({ needsLogin: true });
}

/** The guard logged in again after a 401: resume. */
export function loggedIn() {
  setState({ needsLogin: false });
  return sendNow();
}

/**
 * The timer trigger: the next pass when the earliest sendable entry is due. None while
 * offline (the `online` event starts the pass), while a login is needed, or when every
 * waiting entry hangs on a parent that needs the guard's attention.
 */
function schedule(entries) {
  clearTimeout(timer);
  timer = null;
  if (syncState.needsLogin || !navigator.onLine) return;
  const present = new Set(entries.map((e) => e.id));
  const ready = entries
    .filter(sendableBy(sessionUser))
    .filter((e) => e.state === "waiting" && !(e.dependsOn && present.has(e.dependsOn)));
  if (!ready.length) return;
  // An entry waiting for its position is due when that wait ends (at the latest).
  const dueAt = (e) => Math.max(e.nextAttemptAt || 0, e.positionDue || 0);
  const due = Math.max(Math.min(...ready.map(dueAt)), passBackoffUntil);
  const delay = Math.min(Math.max(due - Date.now(), 50), POLL_WHILE_PENDING_MS);
  timer = setTimeout(() => requestSync(), delay);
}

function networkFailed() {
  networkFailures += 1;
  passBackoffUntil = Date.now() + backoffDelay(networkFailures);
}

function networkWorked() {
  networkFailures = 0;
  passBackoffUntil = 0;
}

async function backoff(entry, status, message, retryAfterSeconds = 0) {
  const attempts = (entry.attempts || 0) + 1;
  await outbox.update(entry.id, {
    attempts,
    nextAttemptAt: Date.now() + backoffDelay(attempts, retryAfterSeconds),
    lastStatus: status,
    lastMessage: message,
  });
}

/** Deliver one entry; apply the rules of architecture §5 to the answer. */
async function deliver(entry, pass) {
  const result = pass.result;
  let response;
  let csrfRetried = false;
  let body;
  try {
    body = await (pass.bodies.get(entry.id) || outbox.bodyOf(entry));
  } catch (error) {
    // The browser lost the stored photo: show it to the guard, never drop it silently.
    await outbox.update(entry.id, { state: "needs_attention", lastStatus: 0, lastMessage: String(error.message || error) });
    result.failed += 1;
    return;
  }
  for (;;) {
    try {
      response = await api.sendEntry(entry, pass.csrf, body);
    } catch (error) {
      if (!(error instanceof api.NetworkError)) throw error;
      response = null;
    }
    if (response && response.status === 403 && response.body && response.body.error === "csrf" && !csrfRetried) {
      // The token went stale: one fresh token, one retry.
      csrfRetried = true;
      try {
        pass.csrf = (await api.getMe()).csrf_token;
      } catch (_) {
        response = null;
        break;
      }
      continue;
    }
    break;
  }
  if (response === null) {
    // No answer: the request may or may not have arrived. The PUT is idempotent, so
    // sending it again later is safe. Stop: without a network the rest fails too.
    await backoff(entry, 0, null);
    result.offline = true;
    pass.stop = true;
    networkFailed();
    return;
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    // Delivered. Removed from IndexedDB in batches (see flushDelivered); until then it is
    // known as delivered in memory, which is what frees its children.
    pass.delivered.push(entry);
    result.sent += 1;
    for (const fn of deliveredCallbacks) {
      try {
        await fn(entry, response.body);
      } catch (error) {
        console.error(error);
      }
    }
    if (pass.delivered.length >= REMOVE_BATCH) await flushDelivered(pass);
  } else if (status === 401) {
    await outbox.update(entry.id, { lastStatus: 401, lastMessage: api.errorMessage(response.body, status) });
    result.needsLogin = true;
    pass.stop = true;
    setState({ needsLogin: true });
  } else if (api.passwordChangeRequired(response)) {
    // Like a 401: nothing is wrong with the entry; the guard must choose a password first.
    await outbox.update(entry.id, { lastStatus: 403, lastMessage: api.errorMessage(response.body, status) });
    result.passwordChange = true;
    pass.stop = true;
  } else if (status >= 500 || status === 408 || status === 429) {
    await backoff(entry, status, api.errorMessage(response.body, status), response.retryAfter);
    result.failed += 1;
  } else {
    await outbox.update(entry.id, {
      state: "needs_attention",
      attempts: (entry.attempts || 0) + 1,
      lastStatus: status,
      lastMessage: api.errorMessage(response.body, status),
    });
    result.failed += 1;
  }
}

/** Remove the entries delivered so far from the outbox, in one transaction. */
async function flushDelivered(pass) {
  const batch = pass.delivered.splice(0);
  await outbox.removeMany(batch);
}

/** One round: send the next due entry of the round's snapshot until none is left. */
async function sendRound(pass, round) {
  while (!pass.stop) {
    if (round.stale) {
      // Something was queued during the round (an SOS, say): re-read so its priority counts.
      round.stale = false;
      await flushDelivered(pass);
      const fresh = await outbox.list();
      round.entries = fresh;
      round.present = new Set(fresh.map((e) => e.id));
    }
    // Only what this session's user recorded: another guard's entries wait for their login.
    const mine = round.entries.filter(sendableBy(pass.user));
    const entry = outbox.nextDue(mine, round.present, round.taken);
    if (!entry) return;
    round.taken.add(entry.id);
    prefetchNextBody(pass, mine, round, entry);
    const sentBefore = pass.result.sent;
    await deliver(entry, pass);
    pass.bodies.delete(entry.id);
    if (pass.result.sent > sentBefore) round.present.delete(entry.id); // frees its children
  }
}

/**
 * While one entry is on its way, read the stored body (a photo's Blob) of the entry most
 * likely to go next, so the next request starts as soon as this one is answered: requests
 * still go one at a time, in order. The guess assumes this entry will be delivered (its
 * children become due); a wrong guess costs one read. Bodies never change once they may have
 * been sent, so a body read early is the body that would have been read later.
 */
function prefetchNextBody(pass, mine, round, current) {
  const present = new Set(round.present);
  present.delete(current.id);
  const next = outbox.nextDue(mine, present, round.taken);
  if (!next || !next.bodyRef || pass.bodies.has(next.id)) return;
  const read = outbox.bodyOf(next);
  read.catch(() => {}); // a failed read is reported when the entry itself is sent
  pass.bodies.set(next.id, read);
}

/**
 * One pass, and only one across all of the app's tabs (Web Locks): two tabs sending the same
 * entries would be harmless (idempotent PUTs) but wasteful. A tab that finds the lock taken
 * leaves the work to the tab holding it.
 */
async function runPassAlone() {
  if (!navigator.locks) return runPass();
  return navigator.locks.request("nattpatrull-sync", { ifAvailable: true }, async (lock) => {
    if (lock) {
      await runPass();
    } else {
      // Another tab (or this tab's previous page, still unloading) is syncing: look again
      // shortly, in case it goes away before it has finished.
      clearTimeout(timer);
      timer = setTimeout(() => requestSync(), LOCK_RETRY_MS);
    }
  });
}

async function runPass() {
  const result = { sent: 0, failed: 0, needsLogin: false, passwordChange: false, offline: false, pending: 0 };
  // Records whose wait for a position has ended go without it (the page that saved them may
  // be gone).
  await outbox.releaseExpiredPositionWaits();
  let entries = await outbox.list();
  if (!entries.length) {
    clearTimeout(timer);
    finish(result, entries);
    return;
  }
  if (!navigator.onLine) {
    result.offline = true;
    result.pending = entries.length;
    finish(result, entries);
    return;
  }
  setState({ syncing: true });
  try {
    // A fresh CSRF token for this pass (architecture §5: never replay an old one).
    let me;
    try {
      if (!(await settlePendingLogout())) throw new api.NetworkError(new Error("logout pending"));
      me = await api.getMe();
    } catch (_) {
      result.offline = true;
      networkFailed();
      return;
    }
    networkWorked();
    if (!me.user) {
      result.needsLogin = true;
      setState({ needsLogin: true });
      return;
    }
    setState({ needsLogin: false });
    sessionUser = me.user.id;
    const pass = { csrf: me.csrf_token, user: me.user.id, stop: false, result, round: null, delivered: [], bodies: new Map() };
    currentPass = pass;

    // A round takes the next due entry in order (priority, then oldest) whose parent has been
    // delivered, until none is left; it is repeated while the previous one delivered
    // something (a delivered report frees its photos).
    for (;;) {
      const before = result.sent;
      // One read of the outbox per round; entries queued meanwhile go in the next round.
      const entries = await outbox.list();
      const round = { entries, present: new Set(entries.map((e) => e.id)), taken: new Set(), stale: false };
      pass.round = round;
      await sendRound(pass, round);
      await flushDelivered(pass);
      if (pass.stop || result.sent === before) break;
    }
  } finally {
    if (currentPass) await flushDelivered(currentPass).catch((error) => console.error(error));
    currentPass = null;
    entries = await outbox.list();
    result.pending = entries.length;
    setState({ syncing: false, lastPassAt: Date.now(), lastResult: result });
    finish(result, entries);
    if (result.passwordChange) api.openPasswordPage();
  }
}

function finish(result, entries) {
  if (!result.passwordChange) schedule(entries); // the password page opens instead
  for (const fn of completeCallbacks) {
    try {
      fn(result);
    } catch (error) {
      console.error(error);
    }
  }
}

/** Wire the triggers once, at app start. */
export function startSyncTriggers() {
  window.addEventListener("online", () => requestSync());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") requestSync();
  });
  outbox.onOutboxChange((change) => {
    if (change && change.added) {
      if (running) {
        again = true;
        if (currentPass && currentPass.round) currentPass.round.stale = true;
      }
      if (!navigator.onLine) registerBackgroundSync();
      if (!running) requestSync();
    }
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "SYNC_NOW") requestSync();
    });
  }
  requestSync();
}

/** Ask the browser for a Background Sync when it has one (Chromium); harmless elsewhere. */
export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register("outbox");
  } catch (_) {
    // no Background Sync (Safari, Firefox) or not allowed: the other triggers cover it
  }
}
