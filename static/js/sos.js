// The guard's SOS button (issue 5).
//
// A deliberate gesture: press and hold for HOLD_MS, or tap and then confirm (two steps, for
// keyboards and screen readers). Then a countdown of CANCEL_SECONDS with a big "Avbryt"; only
// after it does the SOS enter the outbox, with the highest priority (it goes before anything
// older) and the position when one could be had in time. The sync engine delivers it like any
// record: PUT /api/v1/sos/<uuid>, idempotent, kept until the server answers 2xx.

import { getJson } from "./api.js";
import { currentLocation } from "./geo.js";
import { t } from "./i18n.js";
import { get as getEntry, onOutboxChange } from "./outbox.js";
import { currentShift, record } from "./records.js";
import { requestSync } from "./sync.js";
import { h } from "./ui.js";

export const SOS_PRIORITY = 1000;
export const HOLD_MS = 1500;
export const CANCEL_SECONDS = 5;
// How long past the countdown the SOS may wait for a position before it goes without one.
const LOCATION_GRACE_MS = 1500;

function tr(key, params = {}) {
  return t(`sos_${key}`, params);
}

/** The outbox fields for an SOS: saved at once, its position added when it comes. */
export function sosEntry({ sosId, shiftId, occurredAt }) {
  return {
    method: "PUT",
    url: `/api/v1/sos/${sosId}`,
    body: { shift_id: shiftId || null, occurred_at: occurredAt, lat: null, lon: null, accuracy_m: null },
    kind: "sos",
    label: "SOS",
    priority: SOS_PRIORITY,
    meta: { sosId },
    position: true,
  };
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
        const shift = await currentShift();
        const { entries } = await record(
          async () => ({
            entries: [sosEntry({ sosId, shiftId: shift?.id, occurredAt })],
            log: shift ? { id: crypto.randomUUID(), shiftId: shift.id, kind: "sos", title: "SOS" } : null,
          }),
          { located, waitMs: LOCATION_GRACE_MS }
        );
        Object.assign(last, { sosId, entryId: entries[0].id });
        setStatus("queued");
        requestSync();
        // Say whether the position went along once it is settled.
        const location = await Promise.race([located, new Promise((r) => setTimeout(() => r(null), LOCATION_GRACE_MS))]);
        const where = location && location.lat !== null ? tr("with_position", { m: Math.round(location.accuracy_m ?? 0) }) : tr("no_position");
        if (last.sosId === sosId && (last.status === "queued" || last.status === "sent")) setStatus(last.status, where);
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
    const answer = await getJson(`/api/v1/sos/${last.sosId}`);
    if (!answer.ok) return;
    const alert = answer.body;
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
