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
// Order (architecture §5, "Batches"): SOS and alarms first, each alone; then JSON records in
// batches of up to 50 (POST /api/v1/batch, each entry answered as its own PUT, the rules above
// applied to each), beside photos each its own PUT, up to three in flight. An entry never
// starts before its parent (dependsOn) has been delivered, unless the parent is earlier in
// the same batch; a shift's end waits for every other entry of that shift; nothing starts
// while it waits for its position (outbox.js: skipped until the position came or its time
// passed). The one-by-one loop of before stays for comparison ("syncTuning" {batchSize: 1,
// photosInFlight: 1}).
//
// Other features: onSyncComplete(fn) runs after each pass; records.js record() queues records.

import * as api from "./api.js";
import { deleteValue, getValue, setValue } from "./db.js";
import * as outbox from "./outbox.js";
import { PRIORITY } from "./outbox.js";

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

async function backoff(entry, status, message, retryAfterSeconds = 0, until = null) {
  const attempts = (entry.attempts || 0) + 1;
  await outbox.update(entry.id, {
    attempts,
    nextAttemptAt: until ?? Date.now() + backoffDelay(attempts, retryAfterSeconds),
    lastStatus: status,
    lastMessage: message,
  });
}

/**
 * A whole request failed (no answer, 5xx, 408, 429): its entries back off together, one
 * delay for all (from the most attempts among them), so they go in one batch again rather
 * than scattered by each one's jitter.
 */
async function backoffTogether(entries, status, message, retryAfterSeconds = 0) {
  const attempts = Math.max(...entries.map((e) => e.attempts || 0)) + 1;
  const until = Date.now() + backoffDelay(attempts, retryAfterSeconds);
  for (const entry of entries) await backoff(entry, status, message, retryAfterSeconds, until);
}

/**
 * Send a request with the pass's CSRF token; a stale token gets one fresh token and one retry.
 * `send(csrf)` returns {status, body, retryAfter} or throws api.NetworkError. Null: no answer.
 */
async function withCsrf(pass, send) {
  let csrfRetried = false;
  for (;;) {
    let response;
    try {
      response = await send(pass.csrf);
    } catch (error) {
      if (!(error instanceof api.NetworkError)) throw error;
      return null;
    }
    if (response.status === 403 && response.body && response.body.error === "csrf" && !csrfRetried) {
      csrfRetried = true;
      try {
        pass.csrf = (await api.getMe()).csrf_token;
      } catch (_) {
        return null;
      }
      continue;
    }
    return response;
  }
}

/** No answer came: the request may or may not have arrived; the PUT is idempotent, so sending
 * it again later is safe. Stop: without a network the rest fails too. */
async function noAnswer(entries, pass) {
  await backoffTogether(entries, 0, null);
  pass.result.offline = true;
  pass.stop = true;
  networkFailed();
}

/** Deliver one entry; apply the rules of architecture §5 to the answer. */
async function deliver(entry, pass) {
  let body;
  try {
    body = await (pass.bodies.get(entry.id) || outbox.bodyOf(entry));
  } catch (error) {
    // The browser lost the stored photo: show it to the guard, never drop it silently.
    await outbox.update(entry.id, { state: "needs_attention", lastStatus: 0, lastMessage: String(error.message || error) });
    pass.result.failed += 1;
    return;
  }
  const response = await withCsrf(pass, (csrf) => api.sendEntry(entry, csrf, body));
  if (response === null) return noAnswer([entry], pass);
  await applyAnswer(entry, response, pass);
}

/** The rules of architecture §5 for one entry's answer ({status, body, retryAfter}). */
async function applyAnswer(entry, response, pass) {
  const result = pass.result;
  const status = response.status;
  if (status >= 200 && status < 300) {
    // Delivered. Removed from IndexedDB in batches (see flushDelivered); until then it is
    // known as delivered in memory, which is what frees its children.
    pass.delivered.push(entry);
    pass.deliveredIds.add(entry.id);
    if (pass.round) pass.round.present.delete(entry.id);
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

/**
 * Deliver JSON records in one POST /api/v1/batch (patrol/batch.py): each entry's result is
 * handled exactly as its own PUT's answer would be. The batch as a whole: no answer, 5xx, 408
 * or 429 -> every entry backs off; 401 / password change -> stop; a server without batches
 * (404, 405) or one that refuses the batch itself (400, 413, 422) -> this pass sends one by
 * one. An entry whose parent earlier in the batch was not acknowledged was refused only for
 * that: it keeps waiting untouched, as if it had not been sent (its savepoint left nothing).
 */
async function deliverBatch(entries, pass, round) {
  const response = await withCsrf(pass, (csrf) => api.sendBatch(entries, csrf));
  if (response === null) return noAnswer(entries, pass);
  const status = response.status;
  if (status >= 200 && status < 300 && response.body && Array.isArray(response.body.results)) {
    const answers = new Map(response.body.results.map((r) => [r.id, r]));
    const failed = new Set();
    for (const entry of entries) {
      const answer = answers.get(entry.id);
      const ok = answer && answer.status >= 200 && answer.status < 300;
      if (!ok && (!answer || (entry.dependsOn && failed.has(entry.dependsOn)))) {
        failed.add(entry.id);
        round.taken.delete(entry.id); // waits for its parent, like any child
        continue;
      }
      if (!ok) failed.add(entry.id);
      await applyAnswer(entry, { status: answer.status, body: answer.body, retryAfter: answer.retry_after || 0 }, pass);
    }
    return;
  }
  if (status === 401 || api.passwordChangeRequired(response)) return applyAnswer(entries[0], response, pass);
  if (status >= 500 || status === 408 || status === 429) {
    await backoffTogether(entries, status, api.errorMessage(response.body, status), response.retryAfter);
    pass.result.failed += entries.length;
    return;
  }
  // No batches here (an older server) or the batch itself refused: one by one this pass.
  pass.singles = true;
  for (const entry of entries) round.taken.delete(entry.id);
}

/** Remove the entries delivered so far from the outbox, in one transaction. */
async function flushDelivered(pass) {
  const batch = pass.delivered.splice(0);
  await outbox.removeMany(batch);
}

/**
 * How the outbox is sent (architecture §5, "Batches"): JSON records up to `batchSize` in one
 * POST /api/v1/batch, photos (and any other body) each its own PUT with up to
 * `photosInFlight` at a time. {batchSize: 1, photosInFlight: 1} is the one-by-one loop of
 * before (kept for comparison: bench/client.py --one-by-one), set in the "syncTuning" value.
 */
export const DEFAULT_TUNING = Object.freeze({ batchSize: 50, photosInFlight: 3 });
// A batch stays well below the server's request limit (PATROL_MAX_CONTENT_LENGTH): at most
// this many bytes of JSON; a larger record goes alone.
const MAX_BATCH_BYTES = 512 * 1024;

async function tuning() {
  const stored = (await getValue("syncTuning").catch(() => null)) || {};
  return {
    batchSize: Math.max(1, Math.min(50, Number(stored.batchSize) || DEFAULT_TUNING.batchSize)),
    photosInFlight: Math.max(1, Math.min(6, Number(stored.photosInFlight) || DEFAULT_TUNING.photosInFlight)),
  };
}

/** An SOS or an alarm: sent first and alone, never inside a batch. */
function goesAlone(entry) {
  return outbox.priorityOf(entry) >= PRIORITY.sos;
}

/** A JSON record PUT that may go inside a batch. */
function batchable(entry) {
  return (
    !goesAlone(entry) &&
    entry.method === "PUT" &&
    !entry.bodyRef &&
    entry.body !== null &&
    typeof entry.body === "object" &&
    !(entry.body instanceof Blob) &&
    String(entry.url).startsWith("/api/v1/")
  );
}

function isShiftEnd(entry) {
  return entry.kind === "shift" && Boolean(entry.body && entry.body.ended_at) && /^\/api\/v1\/shifts\//.test(entry.url);
}

/**
 * A shift's end waits for every other entry of that shift still waiting to be sent (a record
 * whose body names the shift, a photo of the shift's report, or an entry hanging on one of
 * them), unless that entry is earlier in the same batch. An entry needing the guard's
 * attention does not hold the end: the guard sees it on its own line. A photo whose report has
 * gone already and that does not name its shift is counted in, to be safe.
 */
function shiftEndWaits(end, entries, present, inBatch) {
  const shiftId = end.url.split("/").pop();
  const byId = new Map(entries.map((e) => [e.id, e]));
  const belongs = (e, depth = 0) => {
    if (depth > 8) return false;
    if (e.body && typeof e.body === "object" && e.body.shift_id === shiftId) return true;
    if (e.meta && e.meta.shiftId) return e.meta.shiftId === shiftId;
    if (e.dependsOn && byId.has(e.dependsOn)) return belongs(byId.get(e.dependsOn), depth + 1);
    return e.kind === "photo" && e.createdAt < end.createdAt;
  };
  return entries.some(
    (e) => e.id !== end.id && e.state === "waiting" && present.has(e.id) && !inBatch.has(e.id) && belongs(e)
  );
}

/** Waiting, due, not waiting for its position, not handled yet in this round. */
function ready(entry, round, now) {
  return entry.state === "waiting" && !entry.positionDue && !round.taken.has(entry.id) && (entry.nextAttemptAt || 0) <= now;
}

/** The next batch: due JSON records in outbox order whose parents are delivered or earlier in it. */
function nextBatch(mine, round, size) {
  const now = Date.now();
  const batch = [];
  const inBatch = new Set();
  let bytes = 0;
  // Two entries for one URL (a shift's start and its end) never share a batch, and the later
  // waits for the earlier: were the batch's answer lost, the start sent again would meet the
  // end already stored (409).
  const urls = new Set();
  for (const entry of mine) {
    if (batch.length >= size) break;
    const earlier = urls.has(entry.url);
    if (round.present.has(entry.id)) urls.add(entry.url);
    if (earlier) continue;
    if (!batchable(entry) || !ready(entry, round, now)) continue;
    if (entry.dependsOn && round.present.has(entry.dependsOn) && !inBatch.has(entry.dependsOn)) continue;
    if (isShiftEnd(entry) && shiftEndWaits(entry, mine, round.present, inBatch)) continue;
    const length = JSON.stringify(entry.body).length + entry.url.length + 80;
    if (batch.length && bytes + length > MAX_BATCH_BYTES) break;
    bytes += length;
    batch.push(entry);
    inBatch.add(entry.id);
  }
  return batch;
}

/** The next entry of a kind (`which(entry)`) that is due and whose parent was delivered. */
function nextSingle(mine, round, which) {
  const now = Date.now();
  return (
    mine.find(
      (e) =>
        which(e) &&
        ready(e, round, now) &&
        !(e.dependsOn && round.present.has(e.dependsOn)) &&
        !(isShiftEnd(e) && shiftEndWaits(e, mine, round.present, new Set()))
    ) || null
  );
}

/**
 * One round. SOS and alarms first, each alone, and while one is due nothing new starts. Then
 * two lanes side by side: JSON records in batches (one batch at a time), and photos each its
 * own PUT, up to `photosInFlight` at once. A round ends when nothing more can start.
 */
async function sendRound(pass, round) {
  if (pass.tuning.batchSize <= 1 && pass.tuning.photosInFlight <= 1) return sendRoundOneByOne(pass, round);
  const running = new Set();
  let recordsBusy = false;
  let uploads = 0;
  const start = (promise) => {
    const job = promise.catch((error) => console.error(error)).finally(() => running.delete(job));
    running.add(job);
  };
  while (!pass.stop) {
    if (round.stale) {
      // Something was queued during the round (an SOS, say): re-read so its priority counts.
      round.stale = false;
      await flushDelivered(pass);
      const fresh = await outbox.list();
      round.entries = fresh;
      round.present = new Set(fresh.map((e) => e.id).filter((id) => !pass.deliveredIds.has(id)));
    }
    // Only what this session's user recorded: another guard's entries wait for their login.
    const mine = round.entries.filter(sendableBy(pass.user));
    const urgent = nextSingle(mine, round, goesAlone);
    if (urgent) {
      if (!recordsBusy) {
        round.taken.add(urgent.id);
        recordsBusy = true;
        start(deliver(urgent, pass).finally(() => (recordsBusy = false)));
      }
    } else {
      if (!recordsBusy) {
        let job = null;
        if (!pass.singles) {
          const batch = nextBatch(mine, round, pass.tuning.batchSize);
          if (batch.length > 1) {
            for (const e of batch) round.taken.add(e.id);
            job = deliverBatch(batch, pass, round);
          } else if (batch.length === 1) {
            round.taken.add(batch[0].id);
            job = deliver(batch[0], pass);
          }
        } else {
          const single = nextSingle(mine, round, batchable);
          if (single) {
            round.taken.add(single.id);
            job = deliver(single, pass);
          }
        }
        if (job) {
          recordsBusy = true;
          start(job.finally(() => (recordsBusy = false)));
        }
      }
      while (uploads < pass.tuning.photosInFlight && !pass.stop) {
        const upload = nextSingle(mine, round, (e) => !goesAlone(e) && !batchable(e));
        if (!upload) break;
        round.taken.add(upload.id);
        uploads += 1;
        start(
          deliver(upload, pass).finally(() => {
            uploads -= 1;
            pass.bodies.delete(upload.id);
          })
        );
      }
    }
    if (!running.size) return;
    await Promise.race(running);
  }
  await Promise.allSettled([...running]);
}

/** The loop of before (tuning {batchSize: 1, photosInFlight: 1}): one request at a time. */
async function sendRoundOneByOne(pass, round) {
  while (!pass.stop) {
    if (round.stale) {
      round.stale = false;
      await flushDelivered(pass);
      const fresh = await outbox.list();
      round.entries = fresh;
      round.present = new Set(fresh.map((e) => e.id));
    }
    const mine = round.entries.filter(sendableBy(pass.user));
    const entry = outbox.nextDue(mine, round.present, round.taken);
    if (!entry) return;
    round.taken.add(entry.id);
    prefetchNextBody(pass, mine, round, entry);
    await deliver(entry, pass);
    pass.bodies.delete(entry.id);
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
    const pass = {
      csrf: me.csrf_token,
      user: me.user.id,
      stop: false,
      result,
      round: null,
      delivered: [],
      bodies: new Map(),
      deliveredIds: new Set(),
      tuning: await tuning(),
      singles: false,
    };
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
