// The guard's SOS (issue 5, issue 10 points 1-3).
//
// A deliberate gesture: press and hold for HOLD_MS, or tap and then confirm (two steps, for
// keyboards and screen readers). Then a countdown of CANCEL_SECONDS with a big "Avbryt"; only
// after it does the SOS become a record (records.js): saved at once in the SOS priority class
// (it goes before every record and photo, older ones too), its position added when the phone
// has one. The sync engine delivers it like any record: PUT /api/v1/sos/<uuid>, idempotent, kept until a 2xx answer.
//
// Its lifecycle is kept in IndexedDB ("sos"), so it survives reloads, and shown at the top of
// every screen until the guard closes it after the acknowledgement:
//   queued        on the phone, waiting for a network      "Ring 112" / "Ring arbetsledaren"
//   received      the server has it (when, and whether any supervisor's device was notified:
//                 without push we never claim the supervisor was alerted)
//   acknowledged  "Kvitterat av <namn> 02:14" (by push, or by asking every 15 s while online)

import { getJson } from "./api.js";
import { getValue, setValue, deleteValue } from "./db.js";
import { currentLocation } from "./geo.js";
import { formatTime, t } from "./i18n.js";
import { PRIORITY, get as getEntry, onOutboxChange } from "./outbox.js";
import { currentShift, record } from "./records.js";
import { onSyncComplete, requestSync } from "./sync.js";
import { h } from "./ui.js";

export const HOLD_MS = 1500;
export const CANCEL_SECONDS = 5;
// How long past the countdown the SOS may wait for a position before it goes without one.
const LOCATION_GRACE_MS = 1500;
// While an SOS awaits its acknowledgement and the phone is online: ask this often.
export const ACK_POLL_MS = 15_000;
const STATE_KEY = "sos";

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
    priority: PRIORITY.sos,
    meta: { sosId },
    position: true,
  };
}

// --- the lifecycle, kept in IndexedDB -----------------------------------------------------

const redraws = new Set();

/** {sosId, entryId, pressedAt, status, receivedAt, supervisorDevices, ackBy, ackAt} or null. */
export function sosState() {
  return getValue(STATE_KEY);
}

async function changeState(changes) {
  const current = await sosState();
  if (!current) return null;
  const next = { ...current, ...changes };
  await setValue(STATE_KEY, next);
  redrawAll();
  return next;
}

function redrawAll() {
  for (const fn of [...redraws]) fn();
}

/** Called by guard-push.js when a push says a supervisor acknowledged our SOS. */
export async function sosAcknowledged(sosId, byName) {
  const state = await sosState();
  if (state && sosId === state.sosId && state.status !== "acknowledged") {
    await changeState({ status: "acknowledged", ackBy: byName || "", ackAt: new Date().toISOString() });
    checkSosAcknowledged(); // the server's own time and name
  }
}

/**
 * Where is our SOS now? Still in the outbox: queued. Otherwise ask the server: received (and
 * whether a supervisor's device was notified), acknowledged (by whom, when).
 */
export async function checkSosAcknowledged() {
  const state = await sosState();
  if (!state || (state.status === "acknowledged" && state.ackAtServer)) return;
  if (state.entryId && (await getEntry(state.entryId))) return;
  if (!navigator.onLine) return;
  try {
    const answer = await getJson(`/api/v1/sos/${state.sosId}`);
    if (!answer.ok) return;
    const alert = answer.body;
    await changeState({
      status: alert.acknowledged_at ? "acknowledged" : "received",
      receivedAt: alert.received_at,
      supervisorDevices: alert.supervisor_devices,
      ackBy: alert.acknowledged_by || state.ackBy || null,
      ackAt: alert.acknowledged_at || state.ackAt || null,
      ackAtServer: Boolean(alert.acknowledged_at),
    });
  } catch (_) {
    // offline after all: next time
  }
}

// --- the banner at the top of every screen ------------------------------------------------

function statusText(state) {
  if (state.status === "acknowledged") {
    return tr("acknowledged_by", { name: state.ackBy || "", time: state.ackAt ? formatTime(state.ackAt) : "" });
  }
  if (state.status === "received") {
    const when = state.receivedAt ? formatTime(state.receivedAt) : "";
    return state.supervisorDevices > 0 ? tr("received_alerted", { time: when }) : tr("received_not_alerted", { time: when });
  }
  return tr("queued");
}

/** The pending SOS, unmissable: mounted once into the app's banner area (app shell). */
export function mountSosBanner(container) {
  const banner = h("section", { id: "sos-banner", class: "banner sos-banner", role: "alert", hidden: true });
  container.prepend(banner);
  const draw = async () => {
    const state = await sosState();
    if (!state) {
      banner.hidden = true;
      banner.replaceChildren();
      return;
    }
    const dutyPhone = await getValue("dutyPhone");
    const done = state.status === "acknowledged";
    const calls = done
      ? null
      : h("div", { class: "row sos-calls" },
          h("a", { href: "tel:112", class: "button big danger" }, tr("call_112")),
          dutyPhone ? h("a", { href: `tel:${dutyPhone.replace(/[^+\d]/g, "")}`, class: "button big" }, tr("call_supervisor")) : null);
    const close = done ? h("button", { type: "button", class: "big" }, tr("close")) : null;
    if (close) {
      close.addEventListener("click", async () => {
        await deleteValue(STATE_KEY);
        redrawAll();
      });
    }
    banner.className = `banner sos-banner ${state.status}`;
    banner.dataset.status = state.status;
    banner.replaceChildren(
      h("p", { class: "sos-banner-title" }, h("strong", {}, tr("banner_title")), " ", tr("pressed_at", { time: formatTime(state.pressedAt) })),
      h("p", { class: "sos-banner-status" }, statusText(state)),
      ...[calls, close].filter(Boolean)
    );
    banner.hidden = false;
  };
  redraws.add(draw);
  draw();
  startAckPolling();
}

let polling = null;

/** Every ACK_POLL_MS while an SOS awaits its acknowledgement and the phone is online. */
function startAckPolling() {
  if (polling) return;
  polling = setInterval(async () => {
    const state = await sosState();
    if (state && state.status !== "acknowledged" && navigator.onLine) checkSosAcknowledged();
  }, ACK_POLL_MS);
}

// --- the button on the home screen --------------------------------------------------------

export function mountSosButton(container, { holdMs = HOLD_MS, cancelSeconds = CANCEL_SECONDS } = {}) {
  const statusLine = h("p", { class: "sos-status", role: "status", "aria-live": "assertive" });
  const button = h("button", { type: "button", class: "sos-button", "aria-describedby": "sos-hint" }, tr("button"));
  const hint = h("p", { class: "muted small", id: "sos-hint" }, tr("hint"));
  const confirmBox = h("div", { class: "sos-confirm", hidden: true });
  const section = h("section", { class: "card sos-card", "aria-label": tr("title") }, button, hint, confirmBox, statusLine);
  container.append(section);

  let holdTimer = null;
  let held = false;
  let countdown = null;

  const clearHold = () => {
    clearTimeout(holdTimer);
    holdTimer = null;
    button.classList.remove("holding");
  };

  const say = (text, kind = "") => {
    statusLine.textContent = text;
    statusLine.className = `sos-status ${kind}`;
  };

  // Step 2: the countdown, cancellable.
  const startCountdown = () => {
    clearHold();
    if (countdown) return;
    const sosId = crypto.randomUUID();
    const pressedAt = new Date().toISOString();
    const located = currentLocation();
    let left = cancelSeconds;
    const label = h("p", { class: "sos-countdown", role: "alert" }, tr("countdown", { n: left }));
    const cancel = h("button", { type: "button", class: "big sos-cancel" }, tr("cancel"));
    confirmBox.replaceChildren(label, cancel);
    confirmBox.hidden = false;
    button.hidden = true;
    hint.hidden = true;
    say("");
    const stop = () => {
      clearInterval(countdown.timer);
      countdown = null;
      confirmBox.hidden = true;
      confirmBox.replaceChildren();
      button.hidden = false;
      hint.hidden = false;
    };
    cancel.addEventListener("click", () => {
      stop();
      say(tr("cancelled"));
    });
    countdown = {
      timer: setInterval(async () => {
        left -= 1;
        if (left > 0) {
          label.textContent = tr("countdown", { n: left });
          return;
        }
        stop();
        const shift = await currentShift();
        // The SOS, its log line and its state on the phone: one transaction.
        const entryId = crypto.randomUUID();
        await record(
          async () => ({
            entries: [{ ...sosEntry({ sosId, shiftId: shift?.id, occurredAt: pressedAt }), id: entryId }],
            log: shift ? { id: crypto.randomUUID(), shiftId: shift.id, kind: "sos", title: "SOS", sosId } : null,
            kv: { [STATE_KEY]: { sosId, entryId, pressedAt, status: "queued" } },
          }),
          { located, waitMs: LOCATION_GRACE_MS }
        );
        redrawAll();
        requestSync();
        // Say whether the position went along once it is settled.
        const location = await Promise.race([located, new Promise((r) => setTimeout(() => r(null), LOCATION_GRACE_MS))]);
        say(location && location.lat !== null ? tr("with_position", { m: Math.round(location.accuracy_m ?? 0) }) : tr("no_position"));
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

// The SOS left the outbox (the server has it), or a pass ended: find out what happened.
onOutboxChange(async () => {
  const state = await sosState();
  if (state && state.status === "queued" && !(await getEntry(state.entryId))) checkSosAcknowledged();
});
onSyncComplete((result) => {
  if (result && !result.offline) checkSosAcknowledged();
});
