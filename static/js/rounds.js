// Tonight's rounds on the phone (issue 12), offline like everything else.
//
// The plans come with the sites data (`routes`: stops in order and the rounds' windows for
// tonight and the next night). What the guard has done comes from the shift's own log: each
// check-in at a recognised checkpoint and each skip. Matching mirrors the server's rule
// (patrol/rounds/rules.py): a visit counts once, for the earliest round that still lacks that
// checkpoint and whose window (tolerance included) contains it. A check-in by a typed code is
// resolved by the server, so it counts there and not in the phone's ticks.
//
// A skip is a record like any other: PUT /api/v1/skips/<uuid> through the outbox, written
// with its log line in one transaction (records.record), exactly like a check-in.

import { getValue, logItemsForShift, setValue } from "./db.js";
import { formatTime, language } from "./i18n.js";
import { nightOf } from "./nights.js";
import { currentShift, isOpen, record, shiftDependency, sites } from "./records.js";
import { addHomeExtension } from "./screen-home.js";
import { h } from "./ui.js";

const STARTS_KEY = "roundStarts";

const TEXT = {
  sv: {
    title: "Rundor",
    none_tonight: "Inga rundor planerade i natt.",
    all_done: "Nattens rundor är klara.",
    no_more: "Inga fler rundor i natt.",
    round: "Runda {n}",
    opens_at: "öppnar {time}",
    due_in: "i tid till {time} (om {left})",
    late_until: "sen – räknas till {time}",
    progress: "{done} av {total}",
    next_checkpoint: "Nästa kontrollpunkt",
    open_round: "Öppna rundan",
    extra: "Extra",
    extra_round: "Extra runda: {place}",
    start_round: "Starta runda",
    started: "Startad {time}",
    checked_in_at: "Incheckad {time}",
    unresolved: "+{n} kontrolleras vid synk",
    skipped: "Överhoppad: {reason}",
    skip: "Hoppa över",
    check_in: "Checka in",
    reason: "Skäl",
    own_reason: "Eget skäl",
    save: "Spara",
    cancel: "Avbryt",
    write_reason: "Skriv skälet.",
    back: "Tillbaka",
    skip_saved: "Överhoppad: {label}",
    checked_in: "Incheckad: {label}",
    unknown_route: "Rundan finns inte i natt.",
    status_done: "Klar",
    kind_skip: "Överhoppad",
    minutes: "{n} min",
    hours: "{h} h {m} min",
    reasons: {
      locked: "Låst dörr eller grind",
      cordon: "Avspärrat av polis eller räddningstjänst",
      unsafe: "Otryggt att gå dit",
      blocked: "Blockerad väg (bygge, fordon)",
      other: "Annat skäl",
    },
  },
  en: {
    title: "Rounds",
    none_tonight: "No rounds planned tonight.",
    all_done: "Tonight's rounds are done.",
    no_more: "No more rounds tonight.",
    round: "Round {n}",
    opens_at: "opens {time}",
    due_in: "on time until {time} (in {left})",
    late_until: "late – counts until {time}",
    progress: "{done} of {total}",
    next_checkpoint: "Next checkpoint",
    open_round: "Open the round",
    extra: "Extra",
    extra_round: "Extra round: {place}",
    start_round: "Start round",
    started: "Started {time}",
    checked_in_at: "Checked in {time}",
    unresolved: "+{n} checked at sync",
    skipped: "Skipped: {reason}",
    skip: "Skip",
    check_in: "Check in",
    reason: "Reason",
    own_reason: "Own reason",
    save: "Save",
    cancel: "Cancel",
    write_reason: "Write the reason.",
    back: "Back",
    skip_saved: "Skipped: {label}",
    checked_in: "Checked in: {label}",
    unknown_route: "This route has no round tonight.",
    status_done: "Done",
    kind_skip: "Skipped",
    minutes: "{n} min",
    hours: "{h} h {m} min",
    reasons: {
      locked: "Locked door or gate",
      cordon: "Cordoned off by police or rescue service",
      unsafe: "Unsafe to go there",
      blocked: "Blocked access (building work, vehicle)",
      other: "Other reason",
    },
  },
};

export const REASON_CODES = ["locked", "cordon", "unsafe", "blocked", "other"];

export function tr(key, params = {}) {
  const value = TEXT[language()]?.[key] ?? TEXT.sv[key];
  return value.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

export function reasonText(code) {
  return (TEXT[language()] || TEXT.sv).reasons[code] || code;
}

export function duration(ms) {
  const minutes = Math.max(0, Math.round(ms / 60000));
  if (minutes < 60) return tr("minutes", { n: minutes });
  return tr("hours", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** Typed-code check-ins of this shift the phone cannot place (the server resolves them). */
export async function unresolvedCheckins(shift, fromMs, toMs) {
  if (!shift) return 0;
  const items = await logItemsForShift(shift.id);
  return items.filter((item) => {
    if (item.kind !== "checkin" || item.checkpointId) return false;
    const at = Date.parse(item.at || new Date(item.createdAt).toISOString());
    return fromMs <= at && at <= toMs;
  }).length;
}

/** Check-ins at recognised checkpoints and skips of this shift: [{checkpointId, at, kind, reason}]. */
export async function shiftVisits(shift) {
  if (!shift) return [];
  const items = await logItemsForShift(shift.id);
  return items
    .filter((item) => (item.kind === "checkin" || item.kind === "skip") && item.checkpointId)
    .map((item) => ({
      checkpointId: item.checkpointId,
      at: Date.parse(item.at || new Date(item.createdAt).toISOString()),
      kind: item.kind,
      reason: item.reason || null,
      reasonText: item.reasonText || null,
      routeId: item.routeId || null,
    }));
}

/**
 * Tonight's rounds of one route with their visits:
 * [{round, stops: [{stop, visit}], done, total, status, next}] (status like the server's).
 */
export function matchRounds(route, visits, now) {
  const night = nightOf(now);
  const rounds = route.rounds
    .filter((r) => r.night === night)
    .map((r) => ({ ...r, opensMs: Date.parse(r.opens), dueMs: Date.parse(r.due), closesMs: Date.parse(r.closes) }))
    .sort((a, b) => a.opensMs - b.opensMs);
  const wanted = new Set(route.stops.map((s) => s.checkpoint_id));
  const taken = rounds.map(() => new Map());
  for (const visit of [...visits].sort((a, b) => a.at - b.at)) {
    if (!wanted.has(visit.checkpointId)) continue;
    if (visit.kind === "skip" && visit.routeId && visit.routeId !== route.id) continue;
    const index = rounds.findIndex(
      (r, i) => !taken[i].has(visit.checkpointId) && r.opensMs <= visit.at && visit.at <= r.closesMs
    );
    if (index >= 0) taken[index].set(visit.checkpointId, visit);
  }
  return rounds.map((round, i) => {
    const stops = route.stops.map((stop) => ({ stop, visit: taken[i].get(stop.checkpoint_id) || null }));
    const done = stops.filter((s) => s.visit).length;
    let status = "pending";
    if (done === stops.length) status = "completed";
    else if (now < round.closesMs) status = done ? "in_progress" : now >= round.opensMs ? "due" : "pending";
    else status = done ? "incomplete" : "missed";
    return { round, stops, done, total: stops.length, status, next: stops.find((s) => !s.visit) || null };
  });
}

/** The round of a route that matters now: open and not complete, else the next to open. */
export function currentRound(matched, now) {
  return (
    matched.find((m) => m.status !== "completed" && m.round.opensMs <= now && now <= m.round.closesMs) ||
    matched.find((m) => m.round.opensMs > now) ||
    null
  );
}

export function checkpointIndex(siteData) {
  const index = new Map();
  for (const area of siteData.areas || []) {
    for (const property of area.properties || []) {
      for (const checkpoint of property.checkpoints || []) index.set(checkpoint.id, { property, checkpoint });
    }
  }
  return index;
}

// --- records --------------------------------------------------------------------------------

/** A skip with its reason: one outbox entry and one log line, in one transaction. */
export async function skipCheckpoint(shift, route, known, reasonCode, reasonTextValue) {
  const id = crypto.randomUUID();
  const occurredAt = new Date().toISOString();
  const text = (reasonTextValue || "").trim() || null;
  const title = `${known.checkpoint.label} – ${known.property.name}`;
  return record(async (_stores, present) => ({
    entries: [
      {
        method: "PUT",
        url: `/api/v1/skips/${id}`,
        body: {
          shift_id: shift.id,
          route_id: route.id,
          checkpoint_id: known.checkpoint.id,
          reason_code: reasonCode,
          reason_text: text,
          occurred_at: occurredAt,
        },
        kind: "skip",
        label: `${tr("kind_skip")}: ${title}`,
        dependsOn: shiftDependency(shift, present),
      },
    ],
    log: {
      id: crypto.randomUUID(),
      shiftId: shift.id,
      kind: "skip",
      title: `${title} (${text || reasonText(reasonCode)})`,
      checkpointId: known.checkpoint.id,
      routeId: route.id,
      reason: reasonCode,
      reasonText: text,
      at: occurredAt,
    },
  }));
}

/** An explicit start of a round (kept on the phone: it orders the guard's own view). */
export async function startRound(routeId, round) {
  const all = (await getValue(STARTS_KEY)) || {};
  // Only tonight's starts are kept: older nights' are of no use to the guard.
  const starts = Object.fromEntries(Object.entries(all).filter(([key]) => key.startsWith(`${round.night}:`)));
  starts[`${round.night}:${routeId}:${round.index}`] = new Date().toISOString();
  await setValue(STARTS_KEY, starts);
}

export async function roundStart(routeId, round) {
  const starts = (await getValue(STARTS_KEY)) || {};
  return starts[`${round.night}:${routeId}:${round.index}`] || null;
}

// --- the home screen's block ---------------------------------------------------------------

function roundLine(route, m, now, index, unresolved) {
  const when =
    m.round.opensMs > now
      ? tr("opens_at", { time: formatTime(m.round.opens) })
      : now <= m.round.dueMs
        ? tr("due_in", { time: formatTime(m.round.due), left: duration(m.round.dueMs - now) })
        : tr("late_until", { time: formatTime(m.round.closes) });
  const item = h(
    "li",
    { class: `round-item round-${m.status}`, dataset: { route: String(route.id), round: String(m.round.index) } },
    h("p", {}, h("strong", {}, route.name), ` – ${tr("round", { n: m.round.index })}, ${when}`),
    h("p", { class: "round-progress" }, tr("progress", { done: m.done, total: m.total })),
    unresolved ? h("p", { class: "state checked_at_sync" }, tr("unresolved", { n: unresolved })) : null
  );
  if (m.next && m.round.opensMs <= now) {
    const known = index.get(m.next.stop.checkpoint_id);
    item.append(
      h(
        "div",
        { class: "next-checkpoint" },
        h("p", { class: "muted small" }, tr("next_checkpoint")),
        h("p", {}, h("strong", {}, known ? known.checkpoint.label : "?"), known ? `, ${known.property.name}` : ""),
        m.next.stop.instructions ? h("p", { class: "instructions" }, m.next.stop.instructions) : null
      )
    );
  }
  item.append(h("a", { href: `/rounds?route=${route.id}`, class: "button", "data-nav": true }, tr("open_round")));
  return item;
}

export async function drawRounds(section) {
  if (section.isConnected) section.dataset.shown = "1"; // attached once: forget it when gone
  const siteData = await sites();
  const shift = await currentShift();
  const routes = siteData.routes || [];
  const now = Date.now();
  const visits = isOpen(shift) ? await shiftVisits(shift) : [];
  const index = checkpointIndex(siteData);
  const list = h("ul", { class: "round-items" });
  let planned = 0;
  for (const route of routes) {
    const matched = matchRounds(route, visits, now);
    planned += matched.length;
    const current = currentRound(matched, now);
    if (!current) continue;
    const unresolved =
      current.round.opensMs <= now ? await unresolvedCheckins(shift, current.round.opensMs, current.round.closesMs) : 0;
    list.append(roundLine(route, current, now, index, unresolved));
  }
  // Extra rounds dispatched by a supervisor, in the same list (their card has the buttons).
  const tasks = (await getValue("dispatches")) || [];
  const answered = (await getValue("dispatchResponses")) || {};
  for (const task of tasks) {
    const mine = (task.guards && task.guards[0]) || {};
    if (mine.completed_at || answered[task.id]?.completed) continue;
    list.append(
      h(
        "li",
        { class: "round-item round-extra" },
        h("span", { class: "badge extra" }, tr("extra")),
        " ",
        h("a", { href: `#dispatch-${task.id}` }, tr("extra_round", { place: task.property_name }))
      )
    );
  }
  const empty = list.children.length
    ? null
    : h("p", { class: "muted" }, planned ? tr("no_more") : tr("none_tonight"));
  section.replaceChildren(...[h("h2", { id: "rounds-title" }, tr("title")), list, empty].filter(Boolean));
  section.hidden = !planned && !tasks.length;
}

// Home cards on the page, redrawn when the plans arrive and every half minute ("om 12 min").
const mounted = new Set();
const REDRAW_MS = 30_000;

function redrawAll() {
  for (const section of [...mounted]) {
    if (section.isConnected) drawRounds(section);
    else if (section.dataset.shown) mounted.delete(section);
  }
}

window.addEventListener("sites-updated", redrawAll);
setInterval(redrawAll, REDRAW_MS);

addHomeExtension((container, ctx) => {
  if (!ctx.user) return;
  const section = h("section", { class: "card rounds-card", id: "rounds-card", "aria-labelledby": "rounds-title", hidden: true });
  // Before the SOS button and the other blocks: the round is the night's main task.
  container.prepend(section);
  mounted.add(section);
  drawRounds(section);
});
