// A round on the phone (/rounds?route=<id>): the route's checkpoints in order with ticks,
// the next one highlighted with its instructions. Each stop is checked in by its sticker: the
// in-app QR scanner, Web NFC where the phone has it, or the code typed (scanner.js, as on the
// check-in screen); "Checka in" without a code stays (chosen from the list, method "manual",
// flagged for the supervisor); "Hoppa över" takes a reason from a short list or typed. An old
// sticker (its code replaced by "Byt QR-kod") is said at once, offline too, and saves nothing.
// Works offline: the plan is in the sites cache, the records go through the outbox.

import { currentLocation } from "./geo.js";
import { formatTime, t } from "./i18n.js";
import { startShiftHere } from "./needs-shift.js";
import { checkIn, currentShift, isOpen, sites } from "./records.js";
import {
  REASON_CODES,
  checkpointIndex,
  currentRound,
  matchRounds,
  reasonText,
  roundStart,
  shiftVisits,
  skipCheckpoint,
  startRound,
  tr,
  unresolvedCheckins,
} from "./rounds.js";
import { cameraScanner, lookUp, nfcListener, recogniseToken } from "./scanner.js";
import { h, notice } from "./ui.js";

export const NAME = "rounds";

function skipForm(onSave, onCancel, id) {
  const error = h("p", { class: "field-error", role: "alert", hidden: true });
  const radios = REASON_CODES.map((code, i) =>
    h(
      "label",
      { class: "choice" },
      h("input", { type: "radio", name: `reason-${id}`, value: code, checked: i === 0 }),
      " ",
      reasonText(code)
    )
  );
  const text = h("textarea", { id: `reason-text-${id}`, rows: 2, maxlength: 500 });
  const save = h("button", { type: "submit", class: "primary" }, tr("save"));
  const cancel = h("button", { type: "button" }, tr("cancel"));
  const form = h(
    "form",
    { class: "skip-form" },
    h("fieldset", {}, h("legend", {}, tr("reason")), ...radios),
    h("div", { class: "field" }, h("label", { for: `reason-text-${id}` }, tr("own_reason")), text),
    error,
    h("div", { class: "row" }, save, cancel)
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = form.querySelector(`input[name="reason-${id}"]:checked`)?.value || "other";
    if (code === "other" && !text.value.trim()) {
      error.textContent = tr("write_reason");
      error.hidden = false;
      text.focus();
      return;
    }
    save.disabled = true;
    await onSave(code, text.value);
  });
  cancel.addEventListener("click", onCancel);
  return form;
}

/**
 * A stop's ways to check in by its sticker: scan (camera), NFC where the phone has it, and a
 * typed code. `save(how, known, message)` is the screen's check-in; `say(text)` shows a
 * refusal in the stop. Returns {element, stop} (stop closes the camera and NFC).
 */
function stickerActions(stopId, siteData, primary, save, say) {
  async function fromToken(token, nfc) {
    const recognised = await recogniseToken(token, siteData);
    if (recognised.retired) return say(t("qr_retired")); // never counts: nothing is saved
    let known = recognised.known || null;
    if (!known) {
      const found = await lookUp({ checkpoint_token: token }, siteData);
      if (found && found.unknown) return say(`${t("code_unknown")} ${t("unknown_type_code")}`);
      known = found && found.known ? found.known : null;
    }
    const how = nfc ? { token, nfc: true } : { token };
    await save(how, known, known ? tr("checked_in", { label: known.checkpoint.label }) : t("qr_unknown"));
  }
  // The next stop's scan button is the big one; the other ways sit side by side below it.
  const scanner = cameraScanner((token) => fromToken(token, false), { buttonClass: primary ? "primary big" : "" });
  const nfc = nfcListener((token) => fromToken(token, true), { buttonClass: "" });

  const input = h("input", {
    id: `stop-code-${stopId}`,
    name: "code",
    autocomplete: "off",
    autocapitalize: "characters",
    inputmode: "text",
    enterkeyhint: "done",
    maxlength: 64,
  });
  const submit = h("button", { type: "submit", class: "primary" }, tr("check_in"));
  const cancel = h("button", { type: "button" }, tr("cancel"));
  const codeForm = h(
    "form",
    { class: "stop-code", novalidate: true, hidden: true },
    h("div", { class: "field" }, h("label", { for: `stop-code-${stopId}` }, t("code")), input),
    h("div", { class: "row" }, submit, cancel)
  );
  const codeButton = h("button", { type: "button" }, t("type_code_short"));
  codeButton.addEventListener("click", () => {
    codeForm.hidden = false;
    codeButton.hidden = true;
    input.focus();
  });
  cancel.addEventListener("click", () => {
    codeForm.hidden = true;
    codeButton.hidden = false;
  });
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    const code = typed.toUpperCase();
    if (!code) return say(t("code_required"));
    // A long QR token typed by hand is a scan without the camera.
    if (code.length > 16) {
      const recognised = await recogniseToken(typed, siteData);
      if (recognised.retired || recognised.known) return fromToken(typed, false);
    }
    submit.disabled = true;
    const found = await lookUp({ checkpoint_code: code }, siteData);
    submit.disabled = false;
    if (found && found.unknown) {
      say(found.unknown);
      input.focus();
      return;
    }
    if (found && found.outside) await save({ code }, null, t("code_outside_area"));
    else if (found) await save({ code }, found.known, tr("checked_in", { label: found.known.checkpoint.label }));
    else await save({ code }, null, t("checked_in_code", { code }));
  });

  const element = h(
    "div",
    { class: "stop-sticker" },
    primary ? scanner?.button : null,
    h("div", { class: "row" }, primary ? null : scanner?.button, nfc?.button, codeButton),
    nfc?.status,
    codeForm,
    scanner?.video
  );
  return {
    element,
    stop: () => {
      scanner?.stop();
      nfc?.stop();
    },
  };
}

export async function render(container, ctx) {
  const shift = await currentShift();
  const siteData = await sites();
  const routeId = Number(new URLSearchParams(location.search).get("route"));
  const route = (siteData.routes || []).find((r) => r.id === routeId);
  const back = h("a", { href: "/", class: "button back", "data-nav": true }, tr("back"));
  const heading = h("h1", {}, route ? route.name : tr("title"));
  if (!isOpen(shift)) {
    container.append(startShiftHere(heading, ctx), back);
    return;
  }
  const now = Date.now();
  const matched = route ? matchRounds(route, await shiftVisits(shift), now) : [];
  const current = currentRound(matched, now);
  if (!route || !current) {
    container.append(h("section", { class: "card" }, heading, h("p", {}, tr("unknown_route"))), back);
    return;
  }
  const index = checkpointIndex(siteData);
  const round = current.round;
  const started = await roundStart(route.id, round);
  const head = h(
    "section",
    { class: "card round-head" },
    heading,
    h("p", {}, `${tr("round", { n: round.index })}: ${formatTime(round.opens)}–${formatTime(round.due)}`),
    h("p", { class: "round-progress big-figure", id: "round-progress" }, tr("progress", { done: current.done, total: current.total }))
  );
  const unresolved = await unresolvedCheckins(shift, round.opensMs, round.closesMs);
  if (unresolved) head.append(h("p", { class: "state checked_at_sync" }, tr("unresolved", { n: unresolved })));
  if (started) {
    head.append(h("p", { class: "muted" }, tr("started", { time: formatTime(started) })));
  } else if (!current.done && round.opensMs <= now) {
    const start = h("button", { type: "button", class: "primary big" }, tr("start_round"));
    start.addEventListener("click", async () => {
      start.disabled = true;
      await startRound(route.id, round);
      ctx.rerender();
    });
    head.append(start);
  }

  let busy = false;
  const guarded = (fn) => async (...args) => {
    if (busy) return;
    busy = true;
    try {
      await fn(...args);
    } finally {
      busy = false;
    }
  };

  const stoppers = [];
  const list = h("ol", { class: "round-stops" });
  for (const { stop, visit } of current.stops) {
    const known = index.get(stop.checkpoint_id);
    const label = known ? known.checkpoint.label : `#${stop.checkpoint_id}`;
    const isNext = current.next && current.next.stop === stop && round.opensMs <= now;
    const item = h(
      "li",
      {
        class: `round-stop${visit ? ` stop-${visit.kind}` : ""}${isNext ? " stop-next" : ""}`,
        dataset: { checkpoint: String(stop.checkpoint_id) },
        "aria-current": isNext ? "step" : null,
      },
      h("p", {}, h("span", { class: "tick", "aria-hidden": "true" }, visit ? (visit.kind === "skip" ? "↷" : "✓") : "○"), " ",
        h("strong", {}, label), known ? `, ${known.property.name}` : "")
    );
    if (visit) {
      item.append(
        h("p", { class: "muted small stop-state" },
          visit.kind === "skip"
            ? tr("skipped", { reason: visit.reasonText || reasonText(visit.reason) })
            : tr("checked_in_at", { time: formatTime(visit.at) }))
      );
    } else if (round.opensMs <= now && known) {
      if (isNext && stop.instructions) {
        item.append(h("p", { class: "instructions" }, stop.instructions));
      }
      const checkButton = h("button", { type: "button" }, tr("check_in"));
      const skipButton = h("button", { type: "button" }, tr("skip"));
      const actions = h("div", { class: "row" }, checkButton, skipButton);
      // The sticker first: scanned or typed; "Checka in" above stays, flagged as manual.
      const refusal = h("p", { class: "alert", role: "alert", hidden: true });
      const say = (text) => {
        refusal.textContent = text;
        refusal.hidden = false;
      };
      const sticker = stickerActions(
        stop.checkpoint_id,
        siteData,
        isNext,
        guarded(async (how, place, message) => {
          refusal.hidden = true;
          await checkIn(shift, how, place, currentLocation());
          notice(message);
          ctx.rerender();
        }),
        say
      );
      stoppers.push(sticker.stop);
      item.append(sticker.element, refusal);
      checkButton.addEventListener("click", guarded(async () => {
        checkButton.disabled = true;
        // Saved at the tap; the position follows when the phone finds one (records.js).
        await checkIn(shift, { checkpointId: known.checkpoint.id }, known, currentLocation());
        notice(tr("checked_in", { label }));
        ctx.rerender();
      }));
      skipButton.addEventListener("click", () => {
        const form = skipForm(
          guarded(async (code, text) => {
            await skipCheckpoint(shift, route, known, code, text);
            notice(tr("skip_saved", { label }));
            ctx.rerender();
          }),
          () => form.replaceWith(actions),
          stop.checkpoint_id
        );
        actions.replaceWith(form);
        form.querySelector("input")?.focus();
      });
      item.append(actions);
    } else if (stop.instructions) {
      item.append(h("p", { class: "muted small" }, stop.instructions));
    }
    list.append(item);
  }
  container.append(
    head,
    h("section", { class: "card" }, h("p", { class: "muted small" }, t("round_scan_hint")), list),
    back
  );
  return () => stoppers.forEach((stopSticker) => stopSticker());
}
