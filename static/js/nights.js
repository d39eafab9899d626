// Nights and wall-clock time on the phone: the one home of the time zone and the night rule in
// JS (patrol/nights.py is the server's). A night is the Stockholm date of the wall-clock time
// minus 12 hours, the minus taken on the wall-clock fields (a calendar computation), not on the
// instant: on the clock-change Sundays the two differ by an hour, and the phone and the server
// must agree on which night a round or a check-in belongs to.
// This module imports nothing, so a test page can load it alone.

export const TIME_ZONE = "Europe/Stockholm";

const HOUR_MS = 3600 * 1000;

// en-US with h23: numeric parts in a fixed order, midnight as 00 (never 24).
const PARTS = new Intl.DateTimeFormat("en-US", {
  timeZone: TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Stockholm wall-clock fields of an instant (ms), with its offset from UTC in minutes. */
export function wallClock(ms) {
  const parts = {};
  for (const part of PARTS.formatToParts(new Date(ms))) parts[part.type] = part.value;
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
