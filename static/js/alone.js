// Alone at night (issue 23, points 1-3): the guard's side of the server's lone-worker rules.
//
// - Heartbeat: when the app opens or comes to the foreground (visibilitychange), never from a
//   timer (a pocketed phone freezes its timers, so the server's silence rule never depends on
//   them): a small PUT /api/v1/shifts/<id>/heartbeat, sent now when online, never queued.
// - "Jag är OK"-timer: start (5-60 min) for a risky task, extend ("+10 min"), stop ("Jag är OK").
//   Each is a record (records.js) in the outbox's alarm class (before everything, SOS included),
//   PUT to the timer's own URL; the server raises the alarm when it runs out. In the foreground
//   the phone also sounds and vibrates at the due time; the server's alarm is the one that counts.
// - "Utan täckning" (10, 20, 30 or 60 min): the silence alarm waits; "Avsluta nu" ends it early.
// Both say whether the server has them: "Servern vet ✓" once the server answered their last
// save with a 2xx (records.js noteDelivered keeps the delivered entries' ids), "Väntar på nät –
// gå inte in än" while it waits in the outbox, and otherwise what the guard must do: refused
// ("Servern tog inte emot") or gone without reaching the server ("Servern vet inte").

import { sendJson } from "./api.js";
import { currentLocation } from "./geo.js";
import { addStrings, formatTime, t } from "./i18n.js";
import { PRIORITY, currentStatus, watchStatus } from "./outbox.js";
import { DELIVERED_ALARMS_KEY, currentShift, isOpen, record, shiftDependency } from "./records.js";
import { addHomeExtension } from "./screen-home.js";
import { h } from "./ui.js";

export const TIMER_KEY = "aloneTimer";
export const WINDOW_KEY = "aloneNoCoverage";
export const TIMER_MINUTES = [5, 10, 15, 20, 30, 45, 60];
export const NO_COVERAGE_MINUTES = [10, 20, 30, 60];
const EXTEND_MINUTES = 10;
const MINUTE = 60_000;

addStrings({
  sv: {
    alone_title: "Ensam på natten",
    alone_timer_task: "Uppgift",
    alone_timer_task_placeholder: "Går in i trapphuset",
    alone_timer_minutes: "Minuter",
    alone_timer_start: "Starta Jag är OK-timer",
    alone_timer_running: "Jag är OK-timer: {task} – går ut {time}",
    alone_timer_due: "Tiden har gått ut – tryck Jag är OK!",
    alone_ok: "Jag är OK",
    alone_extend: "+10 min",
    alone_server_knows: "Servern vet ✓",
    alone_waiting: "Väntar på nät – gå inte in än",
    alone_refused: "Servern tog inte emot – räkna inte med den",
    alone_lost: "Servern vet inte – starta igen",
    alone_no_coverage: "Går in där det saknas täckning",
    alone_no_coverage_minutes: "{n} min",
    alone_no_coverage_running: "Utan täckning till {time}",
    alone_no_coverage_end: "Avsluta nu",
  },
  en: {
    alone_title: "Alone at night",
    alone_timer_task: "Task",
    alone_timer_task_placeholder: "Going into the stairwell",
    alone_timer_minutes: "Minutes",
    alone_timer_start: "Start I am OK timer",
    alone_timer_running: "I am OK timer: {task} – runs out {time}",
    alone_timer_due: "Time is up – tap I am OK!",
    alone_ok: "I am OK",
    alone_extend: "+10 min",
    alone_server_knows: "The server knows ✓",
    alone_waiting: "Waiting for a network – do not go in yet",
    alone_refused: "The server refused it – do not count on it",
    alone_lost: "The server does not know – start again",
    alone_no_coverage: "Going where there is no coverage",
    alone_no_coverage_minutes: "{n} min",
    alone_no_coverage_running: "No coverage until {time}",
    alone_no_coverage_end: "End now",
  },
});

// --- heartbeat -----------------------------------------------------------------------------

/** The app opened or came to the foreground: tell the server (only while online). */
export async function sendHeartbeat() {
  const shift = await currentShift();
  if (!isOpen(shift) || !navigator.onLine) return false;
  try {
    const answer = await sendJson("PUT", `/api/v1/shifts/${shift.id}/heartbeat`, { at: new Date().toISOString() });
    return answer.ok;
  } catch (_) {
    return false; // offline after all; the next record or foreground tells the server
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") sendHeartbeat();
});
sendHeartbeat();

// --- the records ---------------------------------------------------------------------------

function timerBody(timer) {
  return {
    shift_id: timer.shiftId,
    task: timer.task,
    started_at: timer.startedAt,
    minutes: timer.minutes,
    extended_at: timer.extendedAt || null,
    stopped_at: timer.stoppedAt || null,
    lat: null,
    lon: null,
    accuracy_m: null,
  };
}

/** Save the timer's new state as a record in the alarm class; kv keeps it with its entry id. */
function saveTimer(shift, timer, { position = false } = {}) {
  const entryId = crypto.randomUUID();
  const next = { ...timer, entryId };
  return record(
    async (_stores, present) => ({
      entries: [
        {
          id: entryId,
          method: "PUT",
          url: `/api/v1/timers/${timer.id}`,
          body: timerBody(timer),
          kind: "timer",
          label: timer.task,
          priority: PRIORITY.alarm,
          dependsOn: shiftDependency(shift, present),
          position,
        },
      ],
      kv: { [TIMER_KEY]: next },
    }),
    position ? { located: currentLocation() } : {}
  ).then(() => next);
}

export async function startTimer(shift, task, minutes) {
  const startedAt = new Date().toISOString();
  const timer = {
    id: crypto.randomUUID(),
    shiftId: shift.id,
    task: task || t("alone_timer_task_placeholder"),
    startedAt,
    minutes,
    extendedAt: null,
    stoppedAt: null,
    dueAt: new Date(Date.parse(startedAt) + minutes * MINUTE).toISOString(),
  };
  return saveTimer(shift, timer, { position: true });
}

// "+10 min" adds ten minutes to what is left (a guard with 20 left gets 30), never more than a
// timer may run. The server takes an extension as its time plus whole minutes and only ever
// moves the due time on, so the phone sends what is left rounded down plus ten: the phone and
// the server show the same due time, at most a minute before "what is left + 10".
export function extendedMinutes(dueAt, now) {
  const left = Math.max(0, Math.floor((Date.parse(dueAt) - now) / MINUTE));
  return Math.min(TIMER_MINUTES[TIMER_MINUTES.length - 1], left + EXTEND_MINUTES);
}

export async function extendTimer(shift, timer) {
  const now = Date.now();
  const extendedAt = new Date(now).toISOString();
  const minutes = extendedMinutes(timer.dueAt, now);
  const dueAt = new Date(now + minutes * MINUTE).toISOString();
  return saveTimer(shift, { ...timer, extendedAt, minutes, dueAt }, { position: true });
}

export async function stopTimer(shift, timer) {
  return saveTimer(shift, { ...timer, stoppedAt: new Date().toISOString() });
}

function saveWindow(shift, window) {
  const entryId = crypto.randomUUID();
  const next = { ...window, entryId };
  return record(async (_stores, present) => ({
    entries: [
      {
        id: entryId,
        method: "PUT",
        url: `/api/v1/no-coverage/${window.id}`,
        body: { shift_id: window.shiftId, started_at: window.startedAt, minutes: window.minutes, ended_at: window.endedAt || null },
        kind: "no_coverage",
        label: t("alone_no_coverage"),
        priority: PRIORITY.alarm,
        dependsOn: shiftDependency(shift, present),
      },
    ],
    kv: { [WINDOW_KEY]: next },
  })).then(() => next);
}

export async function startNoCoverage(shift, minutes) {
  const startedAt = new Date().toISOString();
  return saveWindow(shift, {
    id: crypto.randomUUID(),
    shiftId: shift.id,
    startedAt,
    minutes,
    endsAt: new Date(Date.parse(startedAt) + minutes * MINUTE).toISOString(),
    endedAt: null,
  });
}

export async function endNoCoverage(shift, window) {
  return saveWindow(shift, { ...window, endedAt: new Date().toISOString() });
}

// --- sound and vibration (foreground only; the server's alarm is the one that counts) --------

let audio = null;

/** Made on a tap (browsers allow sound only after one), used when the timer runs out. */
function prepareSound() {
  try {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (Context && !audio) audio = new Context();
  } catch (_) {
    audio = null;
  }
}

export function alertGuard() {
  if (navigator.vibrate) navigator.vibrate([500, 200, 500, 200, 500]);
  try {
    prepareSound();
    if (!audio) return;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.value = 0.6;
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 1.5);
  } catch (error) {
    console.error(error);
  }
}

// --- the card on the home screen --------------------------------------------------------------
// Drawn from the outbox's status (watchStatus: the same snapshot as the counters). "Servern
// vet ✓" only for a save the server answered: an entry gone from the outbox is not enough (a
// guard may have discarded it, or the shift start it waited for).

const STATE_KEYS = ["shift", TIMER_KEY, WINDOW_KEY, DELIVERED_ALARMS_KEY];
const KNOWS_TEXT = { known: "alone_server_knows", waiting: "alone_waiting", refused: "alone_refused", lost: "alone_lost" };

/** What the server has of the save whose outbox entry was `entryId`. */
function serverState(status, entryId) {
  if (status.ids.has(entryId)) return status.attentionIds.includes(entryId) ? "refused" : "waiting";
  return (status.values[DELIVERED_ALARMS_KEY] || []).includes(entryId) ? "known" : "lost";
}

function knowsLine(state) {
  return h(
    "p",
    {
      // Refused or lost: the guard must act, so it looks like the other alerts on the card.
      class: `alone-known ${state}${state === "refused" || state === "lost" ? " alert" : ""}`,
      role: "status",
      "data-known": state === "known" ? "yes" : "no",
      "data-state": state,
    },
    t(KNOWS_TEXT[state])
  );
}

const cards = new Set();
let ticking = null;
let alerted = null;

/** Redraw the card from a status snapshot, synchronously (one task with the counters). */
function drawCard(card, status) {
  const shift = status.values.shift;
  if (!isOpen(shift)) {
    card.hidden = true;
    card.replaceChildren();
    keepTicking(false);
    return;
  }
  const timer = status.values[TIMER_KEY];
  const window = status.values[WINDOW_KEY];
  const runningTimer = timer && timer.shiftId === shift.id && !timer.stoppedAt ? timer : null;
  const runningWindow =
    window && window.shiftId === shift.id && !window.endedAt && Date.parse(window.endsAt) > Date.now() ? window : null;
  const parts = [h("h2", {}, t("alone_title"))];

  if (runningTimer) {
    const due = Date.parse(runningTimer.dueAt) <= Date.now();
    const ok = h("button", { type: "button", class: "primary big", id: "alone-ok" }, t("alone_ok"));
    const extend = h("button", { type: "button", class: "big", id: "alone-extend" }, t("alone_extend"));
    ok.addEventListener("click", async () => {
      ok.disabled = true;
      await stopTimer(shift, runningTimer);
    });
    extend.addEventListener("click", async () => {
      extend.disabled = true;
      prepareSound();
      await extendTimer(shift, runningTimer);
    });
    parts.push(
      h("p", { class: "alone-timer", id: "alone-timer-line" }, t("alone_timer_running", { task: runningTimer.task, time: formatTime(runningTimer.dueAt) })),
      due ? h("p", { class: "alert alone-due", role: "alert", id: "alone-due" }, t("alone_timer_due")) : null,
      knowsLine(serverState(status, runningTimer.entryId)),
      h("div", { class: "row" }, ok, extend)
    );
    if (due && alerted !== runningTimer.dueAt && document.visibilityState === "visible") {
      alerted = runningTimer.dueAt;
      alertGuard();
    }
  } else {
    // A redraw keeps what the guard was typing or had chosen.
    const oldTask = card.querySelector("#alone-task");
    const oldMinutes = card.querySelector("#alone-minutes");
    const task = h("input", { id: "alone-task", type: "text", maxlength: "200", placeholder: t("alone_timer_task_placeholder") });
    if (oldTask) task.value = oldTask.value;
    const chosen = oldMinutes ? Number(oldMinutes.value) : 15;
    const minutes = h(
      "select",
      { id: "alone-minutes" },
      ...TIMER_MINUTES.map((n) => h("option", { value: String(n), selected: n === chosen }, String(n)))
    );
    const start = h("button", { type: "button", class: "big", id: "alone-timer-start" }, t("alone_timer_start"));
    start.addEventListener("click", async () => {
      start.disabled = true;
      prepareSound(); // the tap that lets the phone sound when the timer runs out
      await startTimer(shift, task.value.trim(), Number(minutes.value));
    });
    parts.push(
      h("div", { class: "field" }, h("label", { for: "alone-task" }, t("alone_timer_task")), task),
      h("div", { class: "field" }, h("label", { for: "alone-minutes" }, t("alone_timer_minutes")), minutes),
      start
    );
  }

  if (runningWindow) {
    const end = h("button", { type: "button", class: "big", id: "alone-window-end" }, t("alone_no_coverage_end"));
    end.addEventListener("click", async () => {
      end.disabled = true;
      await endNoCoverage(shift, runningWindow);
    });
    parts.push(
      h("p", { class: "alone-window", id: "alone-window-line" }, t("alone_no_coverage_running", { time: formatTime(runningWindow.endsAt) })),
      knowsLine(serverState(status, runningWindow.entryId)),
      end
    );
  } else {
    const buttons = NO_COVERAGE_MINUTES.map((n) => {
      const button = h("button", { type: "button", class: "secondary", "data-minutes": String(n) }, t("alone_no_coverage_minutes", { n }));
      button.addEventListener("click", async () => {
        button.disabled = true;
        await startNoCoverage(shift, n);
      });
      return button;
    });
    parts.push(h("p", { class: "muted" }, t("alone_no_coverage")), h("div", { class: "row alone-window-buttons" }, ...buttons));
  }
  const focused = document.activeElement && card.contains(document.activeElement) ? document.activeElement.id : null;
  card.replaceChildren(...parts.filter(Boolean));
  card.hidden = false;
  if (focused) card.querySelector(`#${focused}`)?.focus();
  keepTicking(Boolean(runningTimer || runningWindow));
}

// Cards on home screens drawn (a card is drawn before its screen is put on the page, and
// forgotten once it was on the page and left it).
const shown = new WeakSet();

function redraw(status = currentStatus()) {
  if (!status || !(TIMER_KEY in status.values)) return; // the snapshot with the card's keys is on its way
  for (const card of [...cards]) {
    if (card.isConnected) shown.add(card);
    if (!card.isConnected && shown.has(card)) cards.delete(card);
    else drawCard(card, status);
  }
}

/** While a timer or window runs and the app is in the foreground: redraw every few seconds. */
function keepTicking(on) {
  if (on && !ticking) ticking = setInterval(() => redraw(), 5000);
  if (!on && ticking) {
    clearInterval(ticking);
    ticking = null;
  }
}

watchStatus(redraw, STATE_KEYS);

addHomeExtension((container, ctx) => {
  if (!ctx.user) return;
  const card = h("section", { class: "card alone-card", id: "alone-card", "aria-label": t("alone_title"), hidden: true });
  container.append(card);
  cards.add(card);
  redraw();
});
