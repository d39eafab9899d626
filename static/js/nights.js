// Nights and wall-clock time on the phone: the one home of the time zone and the night rule in
// JS (patrol/nights.py is the server's). A night is the Stockholm date of the wall-clock time
// minus 12 hours, the minus taken on the wall-clock fields (a calendar computation), not on the
// instant: on the clock-change Sundays the two differ by an hour, and the phone and the server
// must agree on which night a round or a check-in belongs to.
// This module imports nothing, so a test page can load it alone.

export const TIME_ZONE = "Europe/Stockholm";

const HOUR_MS = 3600 * 1000;

// en-US with h23: numeric parts in a fixed order, midnight as 00 (never 24). Made on first
// use, once: creating an Intl.DateTimeFormat loads the browser's date data (about 120 ms on a
// phone four times slower than a laptop), which the app's start avoids (the kept offsets below).
let partsFormatter = null;

function partsFormat() {
  if (!partsFormatter) {
    partsFormatter = new Intl.DateTimeFormat("en-US", {
      timeZone: TIME_ZONE,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  }
  return partsFormatter;
}

/** Stockholm wall-clock fields of an instant (ms), with its offset from UTC in minutes. */
export function wallClock(ms) {
  const offsetMinutes = keptOffset(ms);
  return offsetMinutes === null ? formattedWallClock(ms) : shiftedWallClock(ms, offsetMinutes);
}

/** The wall clock as the browser's time zone data gives it (Intl). */
function formattedWallClock(ms) {
  const parts = {};
  for (const part of partsFormat().formatToParts(new Date(ms))) parts[part.type] = part.value;
  const fields = {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
  const asUtc = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  return { ...fields, offsetMinutes: Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000) };
}

// --- the offsets kept for the next start ------------------------------------------------
// The offsets from UTC that the formatter gave for the days around now, kept on the phone
// (localStorage) as spans of constant offset: the next start draws its times from them with
// no formatter (the home screen's "Pass pågår sedan 22:04" on a slow phone). They are the
// formatter's own answers, so they agree with it; an instant outside them asks the formatter.
// Kept from 4 days before to 4 days after the day they were made, made again (after the first
// screen: app.js) when fewer than 2 days are left on either side.
const KEPT_KEY = "nattpatrull-clock-offsets";
const DAY_MS = 24 * HOUR_MS;
const KEEP_MS = 4 * DAY_MS;
const RENEW_MS = 2 * DAY_MS;

let kept = null; // [{ from, to, offsetMinutes }]: whole seconds, from inclusive, to exclusive

function storage() {
  try {
    return typeof localStorage === "undefined" ? null : localStorage; // none in a worker
  } catch (_) {
    return null; // storage blocked
  }
}

function keptSpans() {
  if (kept === null) {
    kept = [];
    try {
      const saved = JSON.parse(storage()?.getItem(KEPT_KEY) || "null");
      if (saved && saved.zone === TIME_ZONE && Array.isArray(saved.spans)) kept = saved.spans;
    } catch (_) {
      // Unreadable: the formatter answers until they are made again.
    }
  }
  return kept;
}

function keptOffset(ms) {
  const second = Math.floor(ms / 1000) * 1000;
  for (const span of keptSpans()) {
    if (span.from <= second && second < span.to) return span.offsetMinutes;
  }
  return null;
}

/** The wall-clock fields of an instant at a known offset: UTC calendar arithmetic. */
function shiftedWallClock(ms, offsetMinutes) {
  const at = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60000);
  return {
    year: at.getUTCFullYear(),
    month: at.getUTCMonth() + 1,
    day: at.getUTCDate(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    second: at.getUTCSeconds(),
    offsetMinutes,
  };
}

/**
 * Keep the formatter's offsets for the days around `now` (4 before, 4 after), unless what is
 * kept still covers 2 days on either side. Read hour by hour; where the offset changes
 * between two hours, the second it changes at is found by halving (a time zone changes its
 * offset at most once an hour). Returns the spans kept.
 */
export function keepOffsets(now = Date.now()) {
  const spans = keptSpans();
  if (spans.length && spans[0].from <= now - RENEW_MS && spans[spans.length - 1].to >= now + RENEW_MS) {
    return spans;
  }
  const offsetAt = (ms) => formattedWallClock(ms).offsetMinutes;
  const end = Math.floor((now + KEEP_MS) / 1000) * 1000;
  const made = [];
  let from = Math.floor((now - KEEP_MS) / 1000) * 1000;
  let offset = offsetAt(from);
  for (let before = from; before < end; ) {
    const at = Math.min(before + HOUR_MS, end);
    const next = offsetAt(at);
    if (next !== offset) {
      let same = before; // offsetAt(same) === offset, offsetAt(changed) === next
      let changed = at;
      while (changed - same > 1000) {
        const middle = same + Math.floor((changed - same) / 2000) * 1000;
        if (offsetAt(middle) === offset) same = middle;
        else changed = middle;
      }
      made.push({ from, to: changed, offsetMinutes: offset });
      from = changed;
      offset = next;
    }
    before = at;
  }
  if (from < end) made.push({ from, to: end, offsetMinutes: offset });
  kept = made;
  try {
    storage()?.setItem(KEPT_KEY, JSON.stringify({ zone: TIME_ZONE, spans: made }));
  } catch (_) {
    // Storage full or blocked: kept for this page only.
  }
  return made;
}

/** The night (the evening's date, YYYY-MM-DD) of an instant: wall-clock time minus 12 hours. */
export function nightOf(ms) {
  const w = wallClock(ms);
  // Date.UTC as a calendar: hour - 12 rolls back into the previous day when it must.
  return new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour - 12, w.minute)).toISOString().slice(0, 10);
}

/** The current night. */
export function tonight(now = Date.now()) {
  return nightOf(now);
}

/** Whether the instant's wall-clock time happens twice (02:00–02:59 on the autumn night: the
 * same wall-clock minute an hour earlier or later is the other one). */
export function isAmbiguous(ms) {
  const w = wallClock(ms);
  const same = (other) => {
    const o = wallClock(other);
    return o.day === w.day && o.hour === w.hour && o.minute === w.minute;
  };
  return same(ms - HOUR_MS) || same(ms + HOUR_MS);
}

/** "HH:MM" Stockholm time; a time that happens twice carries its offset's name, which
 * `labelOf(offsetMinutes)` gives in the screen's language ("02:10 (vintertid)"). The one place
 * on the phone that decides when a time needs it. */
export function formatClock(ms, labelOf) {
  const w = wallClock(ms);
  const text = `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`;
  return isAmbiguous(ms) ? `${text} (${labelOf(w.offsetMinutes)})` : text;
}
