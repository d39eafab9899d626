// Tonight's log: everything recorded this shift, newest first, with its state:
// väntar / kontrolleras vid synk / skickad / behöver åtgärd (with the server's message).
// An entry that needs attention can be retried; nothing is ever dropped from here.

import { formatTime, t } from "./i18n.js";
import { onOutboxChange, retry } from "./outbox.js";
import { correctTypedCode, correctableCode, currentShift, discardItem, discardPlan, tonightsLog } from "./records.js";
import { tr as roundsText } from "./rounds.js";
import { sendNowAndSay } from "./screen-home.js";
import { requestSync } from "./sync.js";
import { coalesce, h } from "./ui.js";

export const NAME = "log";

function kindText(item) {
  if (item.kind === "shift_start") return t("kind_shift_start");
  if (item.kind === "shift_end") return t("kind_shift_end");
  if (item.kind === "checkin") return `${t("kind_checkin")} (${t(`method_${item.method}`)})`;
  if (item.kind === "sos") return t("kind_sos");
  if (item.kind === "report") {
    const n = item.photoCount || 0;
    if (!n) return t("kind_report");
    return `${t("kind_report")} · ${n === 1 ? t("photo_count_one") : t("photo_count_many", { n })}`;
  }
  if (item.kind === "skip") return roundsText("kind_skip"); // a round's checkpoint (rounds.js)
  return item.kind;
}

/** A mistyped code: type it again here; the same check-in goes again with the new code. */
function codeCorrection(item) {
  const inputId = `fix-code-${item.id}`;
  const input = h("input", {
    id: inputId,
    name: "code",
    value: item.title || "",
    autocomplete: "off",
    autocapitalize: "characters",
    inputmode: "text",
    required: true,
  });
  const form = h(
    "form",
    { class: "fix-code" },
    h("label", { for: inputId }, t("code")),
    input,
    h("button", { type: "submit", class: "primary" }, t("save"))
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await correctTypedCode(item, input.value)) requestSync();
  });
  return form;
}

/**
 * Whether the phone may evict the app's data (and so the unsent records) under storage
 * pressure, and what to do about it on an iPhone.
 */
async function storageStatus() {
  let persisted = null;
  try {
    if (navigator.storage && navigator.storage.persisted) persisted = await navigator.storage.persisted();
  } catch (_) {
    // unknown
  }
  const line = h("p", { class: `small storage-status ${persisted ? "kept" : "evictable"}`, id: "storage-status" },
    persisted === true ? t("storage_kept") : persisted === false ? t("storage_evictable") : t("storage_unknown"));
  return persisted ? line : h("div", {}, line, h("p", { class: "muted small" }, t("storage_iphone")));
}

/**
 * "Kasta": never at once, never silently. The confirmation says what is lost, including what
 * depends on it (a report's photos); the discard then reaches the server as a record.
 */
async function confirmDiscard(item, entry, discardButton) {
  const plan = await discardPlan(item);
  const lost = [kindText(item) + (item.title ? `: ${item.title}` : ""), ...plan.records];
  const yes = h("button", { type: "button", class: "danger", id: `discard-yes-${item.id}` }, t("discard_confirm"));
  const no = h("button", { type: "button" }, t("cancel"));
  const box = h(
    "div",
    { class: "discard-confirm", role: "alertdialog", "aria-labelledby": `discard-title-${item.id}` },
    h("p", { id: `discard-title-${item.id}`, class: "strong" }, t("discard_question")),
    h("ul", {}, ...lost.map((text) => h("li", {}, text)), plan.photos ? h("li", {}, plan.photos === 1 ? t("photo_count_one") : t("photo_count_many", { n: plan.photos })) : null),
    h("p", { class: "muted small" }, t("discard_reported")),
    h("div", { class: "row" }, yes, no)
  );
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    await discardItem(item);
    box.remove(); // the redraw shows the line as "kasserad"
    requestSync();
  });
  no.addEventListener("click", () => {
    box.remove();
    discardButton.hidden = false;
  });
  discardButton.hidden = true;
  entry.append(box);
  no.focus();
}

export async function render(container) {
  const shift = await currentShift();
  const list = h("ol", { class: "log-list", id: "log-list" });
  const sendButton = h("button", { type: "button", class: "primary big" }, t("send_now"));
  sendButton.addEventListener("click", () => sendNowAndSay());
  // Opened from the home card's "Öppna det som behöver åtgärd": the first such line is shown
  // at once, its "Försök igen" under the guard's thumb.
  let showAttention = new URLSearchParams(location.search).get("show") === "attention";
  let openedId = null; // that line stays marked through redraws

  let asked = 0;
  const draw = async () => {
    // Never redraw under the guard's fingers: a code being corrected would be wiped.
    const typing = document.activeElement;
    if ((typing && typing.tagName === "INPUT" && list.contains(typing)) || list.querySelector(".discard-confirm")) {
      setTimeout(draw, 1000);
      return;
    }
    const mine = ++asked;
    const items = await tonightsLog(shift && shift.id);
    if (mine !== asked) return; // a newer drawing is on its way
    // A redraw keeps the focus on the same button of the same line (a screen reader's place).
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
    list.replaceChildren();
    if (!items.length) list.append(h("li", { class: "muted" }, t("log_empty")));
    for (const item of items) {
      const stateBadge = h("span", { class: `state ${item.state}` }, t(`state_${item.state}`));
      const acute = item.kind === "report" && item.level === "acute" ? h("span", { class: "badge acute" }, t("acute_badge")) : null;
      const title = item.kind === "shift_start" || item.kind === "shift_end" ? "" : item.title;
      const entry = h(
        "li",
        { class: `log-item ${item.state}${acute ? " acute" : ""}`, dataset: { kind: item.kind, state: item.state } },
        h("div", { class: "log-head" }, h("time", { datetime: new Date(item.createdAt).toISOString() }, formatTime(item.createdAt)), " ", h("strong", {}, kindText(item)), " ", acute, acute ? " " : null, stateBadge),
        title ? h("div", { class: "log-title" }, title) : null,
        item.kind === "checkin" && item.hasLocation === false ? h("div", { class: "muted small" }, t("location_none")) : null
      );
      if (item.state === "needs_attention") {
        entry.append(h("p", { class: "server-message" }, item.message));
        const retryButton = h("button", { type: "button", class: "retry", dataset: { focusKey: `retry-${item.id}` } }, t("retry"));
        retryButton.addEventListener("click", async () => {
          for (const pending of item.attention) await retry(pending.id);
          requestSync();
        });
        entry.append(retryButton);
        if (correctableCode(item)) entry.append(codeCorrection(item));
        const discardButton = h("button", { type: "button", class: "discard", dataset: { focusKey: `discard-${item.id}` } }, t("discard"));
        discardButton.addEventListener("click", () => confirmDiscard(item, entry, discardButton));
        entry.append(discardButton);
      }
      if (item.id === openedId) entry.classList.add("opened");
      entry.dataset.item = item.id;
      list.append(entry);
    }
    if (focused) list.querySelector(`[data-focus-key="${focused}"]`)?.focus({ preventScroll: true });
    const first = showAttention ? list.querySelector(".log-item.needs_attention") : null;
    if (first) {
      showAttention = false; // once: later redraws leave the scroll position alone
      openedId = first.dataset.item;
      first.classList.add("opened");
      // Once the screen is on the page (the first drawing happens before it is).
      let frames = 0;
      const reveal = () => {
        // A redraw may have replaced the line meanwhile: the one on the page now.
        const line = list.isConnected ? list.querySelector(`[data-item="${openedId}"]`) : null;
        if (!line) {
          if (++frames < 120) requestAnimationFrame(reveal);
          return;
        }
        line.scrollIntoView({ block: "center" });
        line.querySelector("button.retry")?.focus({ preventScroll: true });
      };
      requestAnimationFrame(reveal);
    }
  };
  // Listen first, then draw: a change between the two is never missed.
  const stop = onOutboxChange(coalesce(draw, 250));
  await draw();

  container.append(
    h("section", { class: "card" }, h("h1", {}, t("log_title")), sendButton, await storageStatus()),
    list,
    h("a", { href: "/", class: "button back", "data-nav": true }, t("back"))
  );
  return stop;
}
