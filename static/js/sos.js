// The guard's SOS button (issue 5).
//
// A deliberate gesture: press and hold for HOLD_MS, or tap and then confirm (two steps, for
// keyboards and screen readers). Then a countdown of CANCEL_SECONDS with a big "Avbryt"; only
// after it does the SOS enter the outbox, with the highest priority (it goes before anything
// older) and the position when one could be had in time. The sync engine delivers it like any
// record: PUT /api/v1/sos/<uuid>, idempotent, kept until the server answers 2xx.

import { language } from "./i18n.js";
import { currentLocation } from "./geo.js";
import { enqueue, onOutboxChange, get as getEntry } from "./outbox.js";
import { currentShift } from "./records.js";
import { requestSync } from "./sync.js";
import { h } from "./ui.js";

export const SOS_PRIORITY = 1000;
export const HOLD_MS = 1500;
export const CANCEL_SECONDS = 5;
// How long past the countdown the SOS may wait for a position before it goes without one.
const LOCATION_GRACE_MS = 1500;

const TEXT = {
  sv: {
    title: "Larm",
    button: "SOS",
    hint: "Håll inne knappen i 2 sekunder, eller tryck och bekräfta.",
    confirm_question: "Skicka SOS till arbetsledare och väktare i tjänst?",
    confirm: "Ja, skicka SOS",
    cancel: "Avbryt",
    countdown: "SOS skickas om {n} s",
    cancelled: "SOS avbrutet. Inget skickades.",
    queued: "SOS väntar på nät – skickas först av allt.",
    sent: "SOS skickat. Arbetsledaren är larmad.",
    acknowledged: "SOS kvitterat av {name}. Hjälp är på väg.",
    with_position: "Med din position (±{m} m).",
    no_position: "Utan position.",
  },
  en: {
    title: "Alarm",
    button: "SOS",
    hint: "Hold the button for 2 seconds, or tap and confirm.",
    confirm_question: "Send SOS to the supervisor and the guards on shift?",
    confirm: "Yes, send SOS",
    cancel: "Cancel",
    countdown: "SOS is sent in {n} s",
    cancelled: "SOS cancelled. Nothing was sent.",
    queued: "SOS waiting for a network – it goes first of all.",
    sent: "SOS sent. The supervisor is alerted.",
    acknowledged: "SOS acknowledged by {name}. Help is on the way.",
    with_position: "With your position (±{m} m).",
    no_position: "Without a position.",
  },
};

function tr(key, params = {}) {
  const value = TEXT[language()]?.[key] ?? TEXT.sv[key];
  return value.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** The outbox fields for an SOS (exported for tests and other screens). */
export function sosEntry({ sosId, shiftId, occurredAt, location }) {
  return {
    method: "PUT",
    url: `/api/v1/sos/${sosId}`,
    body: {
      shift_id: shiftId || null,
      occurred_at: occurredAt,
      lat: location?.lat ?? null,
      lon: location?.lon ?? null,
      accuracy_m: location?.accuracy_m ?? null,
    },
    kind: "sos",
    label: "SOS",
    priority: SOS_PRIORITY,
    meta: { sosId },
  };
}

function withTimeout(promise, ms, fallback) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(fallback), ms))]);
}

// The last SOS of this page, so the home screen shows its state again after a redraw.
const last = { sosId: null, entryId: null, status: null, detail: "" };
const redraws = new Set();

function setStatus(status, detail = "") {
  Object.assign(last, { status, detail });
  for (const fn of redraws) fn();
}

/** Called by guard-push.js when a push says a supervisor acknowledged our SOS. */
export function sosAcknowledged(sosId, byName) {
  if (sosId && sosId === last.sosId) setStatus("acknowledged", byName || "");
}

export function mountSosButton(container, { holdMs = HOLD_MS, cancelSeconds = CANCEL_SECONDS } = {}) {
  const statusLine = h("p", { class: "sos-status", role: "status", "aria-live": "assertive" });
  const button = h("button", { type: "button", class: "sos-button", "aria-describedby": "sos-hint" }, tr("button"));
  const hint = h("p", { class: "muted small", id: "sos-hint" }, tr("hint"));
  const confirmBox = h("div", { class: "sos-confirm", hidden: true });
  const section = h("section", { class: "card sos-card", "aria-labelledby": "sos-title" },
    h("h2", { id: "sos-title" }, tr("title")), button, hint, confirmBox, statusLine);
  container.append(section);

  let holdTimer = null;
  let held = false;
  let countdown = null;

  // The home screen builds its blocks before attaching them: forget this one only once it
  // has been on the page and left it (the screen was redrawn).
  let shown = false;
  const draw = () => {
    if (section.isConnected) shown = true;
    else if (shown) {
      redraws.delete(draw);
      return;
    }
    const texts = {
      queued: tr("queued"),
      sent: tr("sent"),
      cancelled: tr("cancelled"),
      acknowledged: tr("acknowledged", { name: last.detail }),
    };
    statusLine.textContent = texts[last.status] ? `${texts[last.status]} ${last.status === "queued" || last.status === "sent" ? last.detail : ""}`.trim() : "";
    statusLine.className = `sos-status ${last.status || ""}`;
  };
  redraws.add(draw);
  draw();

  const clearHold = () => {
    clearTimeout(holdTimer);
    holdTimer = null;
    button.classList.remove("holding");
  };

  // Step 2: the countdown, cancellable.
  const startCountdown = () => {
    clearHold();
    if (countdown) return;
    const sosId = crypto.randomUUID();
    const occurredAt = new Date().toISOString();
    const located = currentLocation();
    let left = cancelSeconds;
    const label = h("p", { class: "sos-countdown", role: "alert" }, tr("countdown", { n: left }));
    const cancel = h("button", { type: "button", class: "big sos-cancel" }, tr("cancel"));
    confirmBox.replaceChildren(label, cancel);
    confirmBox.hidden = false;
    button.hidden = true;
    hint.hidden = true;
    const stop = (status) => {
      clearInterval(countdown.timer);
      countdown = null;
      confirmBox.hidden = true;
      confirmBox.replaceChildren();
      button.hidden = false;
      hint.hidden = false;
      if (status) setStatus(status);
    };
    cancel.addEventListener("click", () => stop("cancelled"));
    countdown = {
      timer: setInterval(async () => {
        left -= 1;
        if (left > 0) {
          label.textContent = tr("countdown", { n: left });
          return;
        }
        stop(null);
        const location = await withTimeout(located, LOCATION_GRACE_MS, null);
        const shift = await currentShift();
        const entry = await enqueue(sosEntry({ sosId, shiftId: shift?.id, occurredAt, location }));
        Object.assign(last, { sosId, entryId: entry.id });
        const where = location && location.lat !== null ? tr("with_position", { m: Math.round(location.accuracy_m ?? 0) }) : tr("no_position");
        setStatus("queued", where);
        requestSync();
      }, 1000),
    };
  };

  // Step 1 for a tap (or a keyboard): ask once more.
  const askConfirm = () => {
    if (countdown) return;
    const yes = h("button", { type: "button", class: "big danger sos-yes" }, tr("confirm"));
    const no = h("button", { type: "button", class: "big sos-no" }, tr("cancel"));
    confirmBox.replaceChildren(h("p", { class: "sos-question" }, tr("confirm_question")), h("div", { class: "row" }, yes, no));
    confirmBox.hidden = false;
    yes.addEventListener("click", startCountdown);
    no.addEventListener("click", () => {
      confirmBox.hidden = true;
      confirmBox.replaceChildren();
    });
    yes.focus();
  };

  button.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || countdown) return;
    held = false;
    button.classList.add("holding");
    holdTimer = setTimeout(() => {
      held = true;
      startCountdown();
    }, holdMs);
  });
  for (const name of ["pointerup", "pointerleave", "pointercancel"]) button.addEventListener(name, clearHold);
  button.addEventListener("contextmenu", (event) => event.preventDefault()); // long press on phones
  button.addEventListener("click", () => {
    if (held) {
      held = false;
      return; // the hold already started the countdown
    }
    askConfirm();
  });
}

/** Without push: ask the server whether someone has acknowledged our SOS (after a sync). */
export async function checkSosAcknowledged() {
  if (!last.sosId || (last.status !== "sent" && last.status !== "queued") || !navigator.onLine) return;
  try {
    const answer = await fetch(`/api/v1/sos/${last.sosId}`, { credentials: "same-origin", cache: "no-store" });
    if (!answer.ok) return;
    const alert = await answer.json();
    if (alert.acknowledged_at) setStatus("acknowledged", alert.acknowledged_by || "");
  } catch (_) {
    // offline: next sync
  }
}

// The SOS left the outbox: the server has it (2xx).
onOutboxChange(async () => {
  if (last.entryId && last.status === "queued" && !(await getEntry(last.entryId))) {
    setStatus("sent", last.detail);
  }
});
