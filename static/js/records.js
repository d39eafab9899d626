// What a guard records during the night, turned into outbox entries (architecture §5) and log items.
//
// Each record gets its UUID on the phone and is PUT to its own URL. The outbox entry, the
// log line and the local state (current shift, last check-in) are written in ONE IndexedDB
// transaction: a killed browser leaves either all of them or none.
//
// Dependencies: check-ins, reports and the shift's end wait while the shift's start is still
// queued (the server answers 422 for an unknown shift); photos wait for their report (404).
//
// Positions: saving never waits for one. A record whose position is still being looked for
// is saved at once, its entry marked until POSITION_WAIT_MS (see outbox.js, settlePosition).
//
// One write path (architecture §4): record() is the only way an entry enters the outbox, for
// every screen; the screens pass it the fields and their own state, never write the outbox.

import { getValue, logItemsForShift, storableBlob, transaction } from "./db.js";
import {
  PRIORITY,
  makeEntry,
  notifyChanged,
  onOutboxChange,
  putEntries,
  settlePosition,
  list as listOutbox,
} from "./outbox.js";

// How long a saved record waits for its position before it goes without one.
export const POSITION_WAIT_MS = 10_000;
// A body's position fields until the position comes (records with `position: true`).
export const NO_POSITION = Object.freeze({ lat: null, lon: null, accuracy_m: null });

// --- sites cache -------------------------------------------------------------------------

export async function sites() {
  return (await getValue("sites")) || { areas: [] };
}

export function allProperties(siteData) {
  const properties = [];
  for (const area of siteData.areas || []) {
    for (const property of area.properties || []) properties.push(property);
  }
  return properties.sort((a, b) => a.name.localeCompare(b.name, "sv"));
}

export function findCheckpoint(siteData, predicate) {
  for (const property of allProperties(siteData)) {
    for (const checkpoint of property.checkpoints || []) {
      if (predicate(checkpoint)) return { property, checkpoint };
    }
  }
  return null;
}

export async function sha256Hex(text) {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A scanned/typed token recognised offline against the cached `token_sha256`. */
export async function checkpointForToken(token) {
  const hash = await sha256Hex(token);
  return findCheckpoint(await sites(), (c) => c.token_sha256 === hash);
}

// --- shift -------------------------------------------------------------------------------

/** {id, startedAt, endedAt, startEntryId} of the current (or last) shift, or null. */
export function currentShift() {
  return getValue("shift");
}

export function isOpen(shift) {
  return Boolean(shift && !shift.endedAt);
}

/**
 * THE write path of the phone: every outbox entry is written here (check-ins, reports, skips,
 * safety walks, resident information, SOS, extra-round answers; discards through write()
 * below). Entries + log item + local state in ONE transaction; the user who is logged in is
 * stamped on every entry (only their session sends it, sync.js); nothing waits for a position.
 *
 * `build({kv, log}, present, at)` returns {entries: [fields], log: item, kv: {key: value}};
 * `present` = ids still in the outbox, `at` = the time of the tap (ISO) for a record that has
 * not taken its own. `build` reads and writes the kv and log stores of the same transaction,
 * never the outbox: entries go in only as returned fields. Each entry's `priority` is a class
 * of outbox.js's PRIORITY (default: record, photo for photos).
 *
 * `located` (a promise of {lat, lon, accuracy_m}, see geo.js; never awaited by the caller):
 * the entries with `position: true` are saved marked and get the position when it comes, or
 * go without it after `waitMs`. Resolves as soon as the record is saved and the phone's status
 * line counts it (one read of the outbox), never later.
 */
export function record(build, options = {}) {
  return write((stores, present, at) => build({ kv: stores.kv, log: stores.log }, present, at), options);
}

/** record() with every store open to `build` (discards delete entries): records.js only. */
async function write(build, { located = null, waitMs = POSITION_WAIT_MS } = {}) {
  const at = new Date().toISOString();
  const positionDue = located ? Date.now() + waitMs : null;
  const result = await transaction(["outbox", "bodies", "kv", "log"], "readwrite", async (stores) => {
    const present = new Set((await stores.outbox.getAll()).map((e) => e.id));
    const plan = await build(stores, present, at);
    // Whoever is logged in on this phone recorded it: only their session sends it.
    const user = (await stores.kv.get("user")) || null;
    const entries = (plan.entries || []).map(({ position, ...fields }) =>
      makeEntry({ ...fields, user: user ? user.id : null, ...(position && positionDue ? { positionDue } : {}) })
    );
    // Link children to parents created in the same call ("@0" = the first entry).
    for (const entry of entries) {
      if (typeof entry.dependsOn === "string" && entry.dependsOn.startsWith("@")) {
        entry.dependsOn = entries[Number(entry.dependsOn.slice(1))].id;
      }
    }
    await putEntries(stores, entries);
    if (plan.log) {
      await stores.log.put({ ...plan.log, entryIds: entries.map((e) => e.id), createdAt: Date.now() });
    }
    for (const [key, value] of Object.entries(plan.kv || {})) await stores.kv.put(value, key);
    return { entries, log: plan.log || null };
  });
  // Tell the counter and the sync engine (outbox.js listeners).
  const shown = notifyChanged({ added: true });
  const waiting = result.entries.filter((e) => e.positionDue).map((e) => e.id);
  if (waiting.length) awaitPosition(waiting, result.log && result.log.id, located, positionDue);
  // The status that holds these entries is on screen before the caller draws anything more:
  // nothing says "Allt skickat" after a record was saved (outbox.js, the status).
  await shown;
  return result;
}

/**
 * The position for saved entries, or none once `until` has passed (in the background). An
 * entry without a log line (an SOS before any shift, an extra-round answer, a walk's check)
 * gets it too. Settling notifies the outbox's listeners, so the sync engine sends the entry
 * at once, not when the wait would have ended.
 */
async function awaitPosition(ids, logId, located, until) {
  let timer;
  const limit = new Promise((resolve) => (timer = setTimeout(() => resolve(NO_POSITION), until - Date.now())));
  const location = await Promise.race([Promise.resolve(located).catch(() => NO_POSITION), limit]);
  clearTimeout(timer);
  const markLog = logId
    ? async (s, has) => {
        const item = await s.log.get(logId);
        if (item) await s.log.put({ ...item, hasLocation: has });
      }
    : null;
  try {
    await settlePosition(ids, location, logId ? ["log"] : [], markLog);
  } catch (error) {
    // The sync engine releases the mark when its time has passed.
    console.error(error);
  }
}

// Photos with `body` as IndexedDB keeps them (db.js storableBlob), before the transaction.
function storablePhotos(photos) {
  return Promise.all(photos.map(async (photo) => ({ ...photo, body: await storableBlob(photo.blob) })));
}

export function shiftDependency(shift, present) {
  return shift.startEntryId && present.has(shift.startEntryId) ? shift.startEntryId : null;
}

/** Start a shift in `areaId` (the area chosen at "Starta pass"; null: the server decides). */
export async function startShift(areaId = null) {
  const id = crypto.randomUUID();
  const startedAt = new Date().toISOString();
  const shift = { id, startedAt, endedAt: null, startEntryId: crypto.randomUUID(), areaId };
  await record(async () => ({
    entries: [
      {
        id: shift.startEntryId,
        method: "PUT",
        url: `/api/v1/shifts/${id}`,
        body: { started_at: startedAt, ended_at: null, note: null, area_id: areaId },
        kind: "shift",
        label: "shift_start",
      },
    ],
    log: { id: crypto.randomUUID(), shiftId: id, kind: "shift_start", title: startedAt },
    kv: { shift, lastCheckin: null, ...(areaId ? { lastAreaId: areaId } : {}) },
  }));
  return shift;
}

/**
 * End the shift. `note` is the hand-over to the next shift in the area (optional), `photos` its
 * photos ({id, blob, sha256, digestHeader, width, height}, photos.js): one entry each, labelled
 * `photoLabel – n`, sent after the shift's end (the server answers 404 for a shift it has not got).
 */
export async function endShift(shift, note, photos = [], photoLabel = "handover") {
  const endedAt = new Date().toISOString();
  const ended = { ...shift, endedAt };
  const stored = await storablePhotos(photos);
  await record(async (_stores, present) => ({
    entries: [
      {
        method: "PUT",
        url: `/api/v1/shifts/${shift.id}`,
        body: { started_at: shift.startedAt, ended_at: endedAt, note: note || null },
        kind: "shift",
        label: "shift_end",
        dependsOn: shiftDependency(shift, present),
      },
      ...stored.map((photo, index) => ({
        method: "PUT",
        url: `/api/v1/shifts/${shift.id}/handover/photos/${photo.id}`,
        headers: { "Content-Type": "image/jpeg", "Content-Digest": photo.digestHeader },
        body: photo.body,
        kind: "photo",
        label: `${photoLabel} – ${index + 1}`,
        dependsOn: "@0",
        priority: PRIORITY.photo,
        meta: { sha256: photo.sha256, width: photo.width, height: photo.height },
      })),
    ],
    log: { id: crypto.randomUUID(), shiftId: shift.id, kind: "shift_end", title: endedAt, photoCount: photos.length },
    kv: { shift: ended },
  }));
  return ended;
}

/**
 * A check-in. `how` is one of
 *   {token}          from a QR code (/c/<token> or the scanner): method "qr"
 *   {token, nfc}     from an NFC tag carrying the /c/<token> URL: method "nfc"
 *   {code}           typed by the guard: method "code", resolved by the server
 *   {checkpointId}   chosen from the list: method "manual"
 * `known` = {property, checkpoint} when the phone recognised it, for the log and the report.
 * `located` = a promise of the position (geo.js); the check-in does not wait for it.
 */
export async function checkIn(shift, how, known, located) {
  const id = crypto.randomUUID();
  const occurredAt = new Date().toISOString();
  const body = { shift_id: shift.id, occurred_at: occurredAt, ...NO_POSITION };
  let method;
  if (how.token) {
    body.checkpoint_token = how.token;
    method = how.nfc ? "nfc" : "qr";
  } else if (how.code) {
    body.checkpoint_code = how.code;
    method = "code";
  } else {
    body.checkpoint_id = how.checkpointId;
    method = "manual";
  }
  body.method = method;
  const place = known ? `${known.checkpoint.label} – ${known.property.name}` : null;
  // A typed code shows with its place once the place is known (here, or after the sync).
  const title = how.code ? (place ? `${how.code} · ${place}` : how.code) : place || "QR";
  const logId = crypto.randomUUID();
  const kv = {};
  if (known) {
    kv.lastCheckin = {
      propertyId: known.property.id,
      checkpointId: known.checkpoint.id,
      label: known.checkpoint.label,
      propertyName: known.property.name,
      at: occurredAt,
    };
  }
  return record(async (_stores, present) => ({
    entries: [
      {
        method: "PUT",
        url: `/api/v1/checkins/${id}`,
        body,
        kind: "checkin",
        label: title,
        dependsOn: shiftDependency(shift, present),
        position: true,
        meta: { logId },
      },
    ],
    log: {
      id: logId,
      shiftId: shift.id,
      kind: "checkin",
      title,
      method,
      // Not recognised on the phone: the server decides ("kontrolleras vid synk").
      checkedAtSync: !known,
      hasLocation: null, // not known yet: settled with the position
      // For tonight's rounds (rounds.js): which checkpoint, and when.
      checkpointId: known ? known.checkpoint.id : null,
      at: occurredAt,
    },
    kv,
  }), { located });
}

/** A report with its photos: one report entry, one entry per photo depending on it. */
export async function saveReport(shift, form, photos, located, titleText) {
  const id = crypto.randomUUID();
  const occurredAt = new Date().toISOString();
  const photoIds = photos.map((p) => p.id);
  const body = {
    shift_id: shift.id,
    property_id: Number(form.propertyId),
    checkpoint_id: form.checkpointId ? Number(form.checkpointId) : null,
    category: form.category,
    level: form.level,
    description: form.description || "",
    occurred_at: occurredAt,
    ...NO_POSITION,
    photo_ids: photoIds,
  };
  // "Hot eller våld": its details (incident-form.js); no other report has them.
  if (form.incident) body.incident = form.incident;
  const stored = await storablePhotos(photos);
  return record(async (_stores, present) => ({
    entries: [
      {
        method: "PUT",
        url: `/api/v1/reports/${id}`,
        body,
        kind: "report",
        label: titleText,
        dependsOn: shiftDependency(shift, present),
        position: true,
      },
      ...stored.map((photo, index) => ({
        method: "PUT",
        url: `/api/v1/reports/${id}/photos/${photo.id}`,
        headers: { "Content-Type": "image/jpeg", "Content-Digest": photo.digestHeader },
        body: photo.body,
        kind: "photo",
        label: `${titleText} – ${index + 1}`,
        dependsOn: "@0",
        priority: PRIORITY.photo,
        meta: { sha256: photo.sha256, width: photo.width, height: photo.height },
      })),
    ],
    log: {
      id: crypto.randomUUID(),
      shiftId: shift.id,
      kind: "report",
      title: titleText,
      level: form.level,
      photoCount: photos.length,
    },
    kv: { "draft:report": null },
  }), { located });
}

/**
 * The guard corrects a typed code the server did not know (422 "Okänd kod"). A refused
 * check-in was never stored, so the same entry, under the same id, goes again with the new
 * code; its log line shows the new code. Other refusals are left for "Försök igen".
 */
export function correctableCode(item) {
  return (
    item.kind === "checkin" &&
    item.method === "code" &&
    item.attention.length > 0 &&
    item.attention.every((e) => e.lastStatus === 422 && e.body && e.body.checkpoint_code)
  );
}

export async function correctTypedCode(item, code) {
  const clean = code.trim().toUpperCase();
  if (!clean || !correctableCode(item)) return false;
  await transaction(["outbox", "log"], "readwrite", async (s) => {
    for (const pending of item.attention) {
      const entry = await s.outbox.get(pending.id);
      if (!entry) continue;
      await s.outbox.put({
        ...entry,
        body: { ...entry.body, checkpoint_code: clean },
        label: clean,
        state: "waiting",
        nextAttemptAt: 0,
        lastMessage: null,
      });
    }
    const logItem = await s.log.get(item.id);
    if (logItem) await s.log.put({ ...logItem, title: clean });
  });
  notifyChanged({ added: true });
  return true;
}

// Alarm entries answered 2xx: "Servern vet ✓" needs one (a discarded entry is gone too).
export const DELIVERED_ALARMS_KEY = "deliveredAlarms";
const DELIVERED_ALARMS_KEPT = 20;

export async function noteDelivered(entry, answer) {
  if (entry.priority === PRIORITY.alarm) {
    await transaction("kv", "readwrite", async (s) => {
      const ids = (await s.kv.get(DELIVERED_ALARMS_KEY)) || [];
      await s.kv.put([...ids.filter((id) => id !== entry.id), entry.id].slice(-DELIVERED_ALARMS_KEPT), DELIVERED_ALARMS_KEY);
    });
  }
  await placeDeliveredCheckin(entry, answer);
}

/**
 * A check-in the phone could not place (a typed code, offline) learns its place from the
 * server's answer: the log shows the code and the place from then on.
 */
async function placeDeliveredCheckin(entry, answer) {
  if (entry.kind !== "checkin" || !entry.meta || !entry.meta.logId || !answer || !answer.checkpoint_label) return;
  const property = allProperties(await sites()).find((p) => p.id === answer.property_id);
  const place = property ? `${answer.checkpoint_label} – ${property.name}` : answer.checkpoint_label;
  await transaction("log", "readwrite", async (s) => {
    const item = await s.log.get(entry.meta.logId);
    if (!item || !item.checkedAtSync) return;
    const code = entry.body && entry.body.checkpoint_code;
    await s.log.put({ ...item, title: code ? `${code} · ${place}` : place, checkedAtSync: false });
  });
}

// --- discarding what the server refused (never silently) ----------------------------------

/** The entries that hang on `ids` (a report's photos; the records of a shift not yet sent). */
function withDependents(entries, ids) {
  const gone = new Set(ids);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of entries) {
      if (!gone.has(entry.id) && entry.dependsOn && gone.has(entry.dependsOn)) {
        gone.add(entry.id);
        grew = true;
      }
    }
  }
  return entries.filter((e) => gone.has(e.id));
}

/**
 * What discarding a log item that needs attention would throw away: {entries, photos,
 * records: [labels of the other records that go with it]} (for the confirmation).
 */
export async function discardPlan(item) {
  const entries = await listOutbox();
  const lost = withDependents(entries, (item.entryIds || []).filter((id) => entries.some((e) => e.id === id)));
  const own = new Set(item.entryIds || []);
  return {
    entries: lost,
    photos: lost.filter((e) => e.kind === "photo").length,
    records: lost.filter((e) => e.kind !== "photo" && !own.has(e.id)).map((e) => e.label),
  };
}

/**
 * Throw the item's entries away, with everything that depends on them, and queue the discard
 * itself as a record for the server (PUT /api/v1/discards/<uuid>): one transaction. The log
 * lines stay, marked "kasserad".
 */
export async function discardItem(item) {
  const discardedAt = new Date().toISOString();
  await write(async (s) => {
    const entries = await s.outbox.getAll();
    const present = (item.entryIds || []).filter((id) => entries.some((e) => e.id === id));
    if (!present.length) return { entries: [] };
    const lost = withDependents(entries, present);
    const main = entries.find((e) => e.id === present[0]);
    const lostIds = new Set(lost.map((e) => e.id));
    for (const entry of lost) {
      await s.outbox.delete(entry.id);
      if (entry.bodyRef) await s.bodies.delete(entry.id);
    }
    for (const line of await s.log.getAll()) {
      if ((line.entryIds || []).some((id) => lostIds.has(id))) await s.log.put({ ...line, discarded: true });
    }
    const shift = (await s.kv.get("shift")) || null;
    return {
      entries: [
        {
          method: "PUT",
          url: `/api/v1/discards/${crypto.randomUUID()}`,
          body: {
            shift_id: item.shiftId || (shift && shift.id) || null,
            kind: main.kind,
            label: String(item.title || main.label || main.kind).slice(0, 300),
            record_url: main.url,
            last_status: main.lastStatus || null,
            last_message: main.lastMessage || null,
            dependent_count: lost.length - present.length,
            photo_count: lost.filter((e) => e.kind === "photo").length,
            recorded_at: new Date(item.createdAt || main.createdAt).toISOString(),
            discarded_at: discardedAt,
          },
          kind: "discard",
          label: String(item.title || main.label),
          priority: PRIORITY.record,
        },
      ],
    };
  });
}

// --- tonight's log -----------------------------------------------------------------------

/**
 * Log items of a shift, newest first, each with its state from the outbox:
 * "needs_attention" (with the server's message), "waiting" / "checked_at_sync", or "sent".
 */
export async function tonightsLog(shiftId) {
  if (!shiftId) return [];
  const [items, entries] = await Promise.all([logItemsForShift(shiftId), listOutbox()]);
  const byId = new Map(entries.map((e) => [e.id, e]));
  return items
    .map((item) => {
      const pending = (item.entryIds || []).map((id) => byId.get(id)).filter(Boolean);
      const attention = pending.filter((e) => e.state === "needs_attention");
      let state = "sent";
      if (item.discarded) state = "discarded";
      else if (attention.length) state = "needs_attention";
      else if (pending.length) state = item.checkedAtSync ? "checked_at_sync" : "waiting";
      return {
        ...item,
        state,
        pending,
        attention,
        message: attention.map((e) => e.lastMessage).filter(Boolean).join(" "),
      };
    })
    .sort((a, b) => b.createdAt - a.createdAt);
}

export { onOutboxChange };
