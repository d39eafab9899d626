// The outbox: every request the phone still owes the server, kept in IndexedDB with its body
// (a JSON object or a Blob). Generic on purpose: every record of the night (records.js
// record(): check-ins, reports, SOS, extra-round answers, discards) is queued here and the
// same sync engine delivers it.
//
// Entry: {id, method, url, headers, body, kind, label, createdAt, priority, dependsOn,
//         state: "waiting" | "needs_attention", attempts, nextAttemptAt, lastStatus, lastMessage,
//         positionDue, user}
//
// A Blob body (a photo) is kept in the "bodies" store under the entry's id and the entry
// says `bodyRef: id`: scheduling reads every entry often, and reading Blobs along would make
// the browser hand out a blob handle each time. sync.js loads the body with bodyOf(entry).
// Where IndexedDB refuses Blobs (WebKit's ephemeral sessions: db.js storableBlob) records.js
// hands over the photo's bytes instead, {storedBlob: ArrayBuffer, type}; bodyOf() gives a
// Blob either way, so what is sent is the same bytes.
//
// Order (architecture §5): higher priority class first (PRIORITY: alarm, SOS, records, photos),
// then oldest first; an entry whose `dependsOn` parent is still in the outbox waits (a photo
// waits for its report). An entry leaves the outbox only after a 2xx answer (sync.js calls
// removeMany()).
//
// Writing: records.js is the only writer of new entries (record(), discardItem()): it stamps
// the user and the time of the tap in the same transaction as the log line and the screen's
// own state. No other module calls putEntries or opens the "outbox" store
// (tests/test_guard_write_path.py fails if one does).
//
// Positions (one rule for every record, architecture §2): a record is saved at once, never after
// waiting for the phone's position. An entry that would like one carries `positionDue` (a
// time): until then it waits, marked, and the sync engine skips it. Adding the position and
// removing the mark happen in one transaction (settlePosition), and so does dropping the mark
// once the time has passed (releaseExpiredPositionWaits): an entry's body never changes once
// it may have been sent.

import { blobFrom, isStoredBlob, transaction } from "./db.js";

/**
 * The priority classes, highest first: an alarm (later issues) before an SOS, an SOS before the
 * night's records, records before photos (a check-in never waits behind a slow upload).
 * Callers name a class, never a number.
 */
export const PRIORITY = Object.freeze({ alarm: 30, sos: 20, record: 10, photo: 0 });

const listeners = new Set();
let lastCreatedAt = 0;

// Other tabs of the app hear about changes here (one object: it never hears itself).
let channel = null;
try {
  channel = new BroadcastChannel("nattpatrull-outbox");
  channel.onmessage = (event) => {
    for (const fn of listeners) fn(event.data);
    refreshStatus();
  };
} catch (_) {
  // no BroadcastChannel: single-tab updates only
}

/** Strictly increasing creation times, so "oldest first" is stable within one tap. */
function nextCreatedAt() {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return lastCreatedAt;
}

/**
 * Tell listeners the outbox changed: fn({added}) where `added` says new entries were queued
 * (records.js writes entries in its own transactions and calls this with added: true).
 */
export function notifyChanged(change = { added: false }) {
  for (const fn of listeners) {
    try {
      fn(change);
    } catch (error) {
      console.error(error);
    }
  }
  if (channel) channel.postMessage(change);
  return refreshStatus();
}

/** Call fn() whenever the outbox changes (in this tab or another). Returns an unsubscribe. */
export function onOutboxChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** A complete entry from the fields a caller gives (method, url, body, kind, label, ...). */
export function makeEntry(fields) {
  if (!fields.method || !fields.url) throw new Error("an outbox entry needs method and url");
  return {
    id: fields.id || crypto.randomUUID(),
    method: fields.method,
    url: fields.url,
    headers: fields.headers || {},
    body: fields.body === undefined ? null : fields.body,
    bodyRef: null,
    kind: fields.kind || "request",
    label: fields.label || `${fields.method} ${fields.url}`,
    createdAt: fields.createdAt || nextCreatedAt(),
    priority: Number(fields.priority ?? (fields.kind === "photo" ? PRIORITY.photo : PRIORITY.record)),
    dependsOn: fields.dependsOn || null,
    state: "waiting",
    attempts: 0,
    nextAttemptAt: 0,
    lastStatus: null,
    lastMessage: null,
    meta: fields.meta || null,
    positionDue: fields.positionDue || null,
    // The id of the user who recorded it: sent only under that user's session (sync.js).
    user: fields.user ?? null,
  };
}

/**
 * Store entries inside a transaction the caller holds over "outbox" and "bodies". Only
 * records.js calls it (its one write path writes the log line and the screen's state in the
 * same transaction). Blob bodies (or their stored bytes, db.js storableBlob) go to "bodies".
 */
export async function putEntries(stores, entries) {
  for (const entry of entries) {
    if (entry.body instanceof Blob || isStoredBlob(entry.body)) {
      await stores.bodies.put(entry.body, entry.id);
      await stores.outbox.put({ ...entry, body: null, bodyRef: entry.id });
    } else {
      await stores.outbox.put(entry);
    }
  }
}

/** The body to send: the JSON object, or the Blob from the "bodies" store (kept as bytes or not). */
export async function bodyOf(entry) {
  if (!entry.bodyRef) return entry.body;
  const stored = await transaction("bodies", "readonly", (s) => s.bodies.get(entry.bodyRef));
  if (!stored) throw new Error(`outbox body ${entry.bodyRef} is missing`);
  return blobFrom(stored);
}

export function list() {
  return transaction("outbox", "readonly", (s) => s.outbox.getAll()).then(sortEntries);
}

export function get(id) {
  return transaction("outbox", "readonly", (s) => s.outbox.get(id));
}

/**
 * What the guard has recorded that has not reached the server yet, counted as the guard
 * counts it, in two states that never mix (architecture §5): waiting (it goes by itself, or
 * with "Skicka nu") and needing the guard ("behöver åtgärd": the server refused it; only the
 * guard's "Försök igen" or "Kasta" moves it). Photos are counted apart; a report's photos go
 * with the report, so the photos of a refused report are part of that record, not waiting.
 * (A record waiting behind a refused parent, a check-in behind its shift's start, is still
 * counted as waiting: it goes by itself once the parent is sorted out.)
 * {records, photos, attention, entries, attentionIds}: `entries` is every outbox entry.
 */
export async function unsentSummary() {
  return summarize(await transaction("outbox", "readonly", (s) => s.outbox.getAll()));
}

function summarize(entries) {
  const refused = new Set(entries.filter((e) => e.state === "needs_attention").map((e) => e.id));
  const withRefused = (e) => refused.has(e.id) || (e.kind === "photo" && refused.has(e.dependsOn));
  const waiting = entries.filter((e) => !withRefused(e));
  const photos = waiting.filter((e) => e.kind === "photo").length;
  // One record needing attention per refused entry, except a refused photo of a report that
  // is refused itself (the guard handles them together, on the report's line).
  const attention = entries.filter(
    (e) => refused.has(e.id) && !(e.kind === "photo" && e.dependsOn && refused.has(e.dependsOn))
  );
  return {
    records: waiting.length - photos,
    photos,
    attention: attention.length,
    attentionIds: attention.map((e) => e.id),
    entries: entries.length,
  };
}

// --- the status, computed in one place ---------------------------------------------------------
// The top bar, the home line and the alone card draw from one snapshot (the outbox and the kv
// keys the screens named, read in ONE transaction), handed to every listener in one task, so
// no screen says "sent" beside one that says "waiting". A change reads anew at once, never
// after a timer; record() resolves once its entries are counted on screen.

const statusKeys = new Set();
const statusListeners = new Set();
let status = null;
let statusRun = null;
let statusAgain = false;

/**
 * fn(status) now (if known) and after every change, in any tab. status = unsentSummary()'s
 * fields + {ids, urls (Sets of the entries'), values: {key: kv value} for `keys`}.
 */
export function watchStatus(fn, keys = []) {
  let fresh = false;
  for (const key of keys) {
    if (!statusKeys.has(key)) fresh = true;
    statusKeys.add(key);
  }
  statusListeners.add(fn);
  if (status && !fresh) fn(status);
  refreshStatus();
  return () => statusListeners.delete(fn);
}

/** The last snapshot handed to the listeners (null before the first). */
export function currentStatus() {
  return status;
}

async function readStatus() {
  const keys = [...statusKeys];
  return transaction(["outbox", "kv"], "readonly", async (s) => {
    const entries = await s.outbox.getAll();
    const values = {};
    for (const key of keys) values[key] = (await s.kv.get(key)) ?? null;
    return {
      ...summarize(entries),
      ids: new Set(entries.map((e) => e.id)),
      urls: new Set(entries.map((e) => e.url)),
      values,
    };
  });
}

/** A new snapshot to every listener; resolves once one read after this call is drawn. */
export function refreshStatus() {
  if (statusRun) {
    statusAgain = true;
    return statusRun;
  }
  statusRun = (async () => {
    try {
      do {
        statusAgain = false;
        const next = await readStatus();
        status = next;
        for (const fn of statusListeners) {
          try {
            fn(next);
          } catch (error) {
            console.error(error);
          }
        }
      } while (statusAgain);
    } catch (error) {
      console.error(error);
    } finally {
      statusRun = null;
    }
  })();
  return statusRun;
}

/**
 * An entry's class for ordering. Entries saved before the named classes carry 1000 for an SOS
 * (still an SOS, never above an alarm) and 0 for everything else.
 */
export function priorityOf(entry) {
  const value = Number(entry.priority) || 0;
  return value > PRIORITY.alarm ? PRIORITY.sos : value;
}

export function sortEntries(entries) {
  return entries.sort(
    (a, b) => priorityOf(b) - priorityOf(a) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)
  );
}

/**
 * The entry to send next from `entries` (sorted, see list()) at time `now`, or null: waiting,
 * due, not waiting for its position, not in `skip` (already handled), and its parent
 * (dependsOn) not in `present` (the ids still in the outbox).
 */
export function nextDue(entries, present, skip = new Set(), now = Date.now()) {
  return (
    entries.find(
      (e) =>
        e.state === "waiting" &&
        !e.positionDue &&
        !skip.has(e.id) &&
        (e.nextAttemptAt || 0) <= now &&
        !(e.dependsOn && present.has(e.dependsOn))
    ) || null
  );
}

/**
 * Delivered (2xx): the only way entries leave the outbox (with their bodies). The sync engine
 * batches its removals, one transaction for many; until they are removed they would only be
 * sent again, and PUTs are idempotent.
 */
export async function removeMany(entries) {
  if (!entries.length) return;
  await transaction(
    ["outbox", "bodies"],
    "readwrite",
    async (s) => {
      for (const entry of entries) {
        await s.outbox.delete(entry.id);
        if (entry.bodyRef) await s.bodies.delete(entry.id);
      }
    },
    "relaxed"
  );
  notifyChanged();
}

/** Put an entry back with changed fields (backoff, needs attention, retry). */
export async function update(id, changes, change = { added: false }) {
  const entry = await transaction("outbox", "readwrite", async (s) => {
    const current = await s.outbox.get(id);
    if (!current) return null;
    const next = { ...current, ...changes };
    await s.outbox.put(next);
    return next;
  });
  notifyChanged(change);
  return entry;
}

/** The guard asked to try again: back to waiting, due now (attempts keep counting). */
export async function retry(id) {
  const entry = await update(id, { state: "waiting", nextAttemptAt: 0 }, { added: true });
  return entry;
}

/** Make every waiting entry due now ("Skicka nu"). Entries needing attention stay as they are. */
export async function makeAllDue() {
  await transaction("outbox", "readwrite", async (s) => {
    for (const entry of await s.outbox.getAll()) {
      if (entry.state === "waiting" && entry.nextAttemptAt) {
        await s.outbox.put({ ...entry, nextAttemptAt: 0 });
      }
    }
  });
  notifyChanged({ added: true });
}

/**
 * The position for entries saved while it was still being looked for: `location` =
 * {lat, lon, accuracy_m} adds it to each body still marked, or null gives up on it; either
 * way the mark goes, in the same transaction (an entry no longer marked is never changed).
 * `extra(stores, attached)` may update other stores in that transaction (the log line).
 */
export async function settlePosition(ids, location, extraStores = [], extra = null) {
  const has = Boolean(location && location.lat !== null && location.lat !== undefined);
  const attached = await transaction(["outbox", ...extraStores], "readwrite", async (s) => {
    let changed = 0;
    for (const id of ids) {
      const entry = await s.outbox.get(id);
      if (!entry || !entry.positionDue) continue;
      const body = has ? { ...entry.body, lat: location.lat, lon: location.lon, accuracy_m: location.accuracy_m } : entry.body;
      await s.outbox.put({ ...entry, body, positionDue: null });
      changed += 1;
    }
    if (extra && changed) await extra(s, has);
    return changed;
  });
  if (attached) notifyChanged({ added: true });
  return attached;
}

/** Entries whose time to wait for a position has passed go without it (see settlePosition). */
export async function releaseExpiredPositionWaits(now = Date.now()) {
  const released = await transaction("outbox", "readwrite", async (s) => {
    let changed = 0;
    for (const entry of await s.outbox.getAll()) {
      if (entry.positionDue && entry.positionDue <= now) {
        await s.outbox.put({ ...entry, positionDue: null });
        changed += 1;
      }
    }
    return changed;
  });
  if (released) notifyChanged({ added: true });
  return released;
}
