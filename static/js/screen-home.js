// Home: the shift's state, the unsent count, and the big actions of the night.
//
// Other features add their own blocks (tasks, SOS, dispatches) with addHomeExtension(fn):
// fn(container, ctx) is called each time the home screen is drawn, with the
// <section id="home-extra"> element as its container and ctx.top, the block at the top of the
// screen, for what must never be below the fold (the SOS button, an extra round waiting).
// Registered after the home screen was drawn (the cards of home-cards.js, loaded once the first
// screen is ready), fn is also called at once for the home screen on the page.

import { getValue } from "./db.js";
import { formatTime, photosSuffix, t } from "./i18n.js";
import { unsentSummary, watchStatus } from "./outbox.js";
import { areaChoice, startButton as areaStartButton } from "./needs-shift.js";
import { currentShift, isOpen } from "./records.js";
import { sendNow } from "./sync.js";
import { h, notice } from "./ui.js";

export const NAME = "home";

const extensions = [];
// Home screens drawn and not left since ({extra, ctx}; one, but for a moment two when a newer
// render wins). A feature whose module loads after the home screen was drawn (app.js loads the
// home cards once the first screen is ready) draws its block into them at once.
const drawn = new Set();

function runExtension(fn, { extra, ctx }) {
  try {
    fn(extra, ctx);
  } catch (error) {
    console.error(error);
  }
}

/** Register fn(container, ctx) to draw extra actions or tasks on the home screen. */
export function addHomeExtension(fn) {
  extensions.push(fn);
  for (const home of drawn) runExtension(fn, home);
}

export async function render(container, ctx) {
  const shift = await currentShift();
  const open = isOpen(shift);
  const lastCheckin = open ? await getValue("lastCheckin") : null;

  const status = h("section", { class: "card shift-state", "aria-labelledby": "home-title" });
  status.append(h("h1", { id: "home-title" }, t("home_title")));
  if (open) {
    status.append(h("p", { class: "shift-line running" }, t("shift_running", { time: formatTime(shift.startedAt) })));
  } else if (shift && shift.endedAt) {
    status.append(h("p", { class: "shift-line" }, t("shift_ended", { time: formatTime(shift.endedAt) })));
  } else {
    status.append(h("p", { class: "shift-line" }, t("no_shift")));
  }
  if (lastCheckin) {
    status.append(
      h("p", { class: "muted" }, t("last_checkin", { label: `${lastCheckin.label}, ${lastCheckin.propertyName}`, time: formatTime(lastCheckin.at) }))
    );
  }

  const unsentLine = h("p", { class: "unsent-line", id: "home-unsent" });
  // What the server refused: said apart, with what to do, and a way straight to it (the log's
  // line with "Försök igen" and "Kasta").
  const attentionText = h("p", { id: "home-attention-text" });
  const attentionBox = h(
    "div",
    { class: "attention-box", id: "home-attention", role: "status", hidden: true },
    attentionText,
    h("a", { href: "/log?show=attention", class: "button danger", "data-nav": true, id: "home-attention-open" }, t("attention_open"))
  );
  // From the outbox's status (outbox.js): the same snapshot as the top bar and the alone card.
  const updateUnsent = ({ records, photos, attention }) => {
    const params = { n: records, photos: photosSuffix(photos) };
    unsentLine.textContent = !records && !photos
      ? t(attention ? "nothing_waiting" : "all_sent")
      : t(!records ? "only_photos_unsent" : records === 1 ? "one_unsent" : "n_unsent", params);
    unsentLine.classList.toggle("pending", records + photos > 0);
    attentionText.textContent = attention === 1 ? t("attention_home_one") : t("attention_home_many", { n: attention });
    attentionBox.hidden = !attention;
  };
  const stopWatching = watchStatus(updateUnsent);

  // "Starta pass" in the chosen area (a guard with several areas picks one, offline too).
  const choice = open ? null : await areaChoice();
  const startButton = open ? null : areaStartButton(choice, () => ctx.rerender());

  const sendButton = h("button", { type: "button", class: "big secondary" }, t("send_now"));
  sendButton.addEventListener("click", async () => {
    sendButton.disabled = true;
    try {
      await sendNowAndSay();
    } finally {
      sendButton.disabled = false;
    }
  });

  const actions = h("nav", { class: "actions", "aria-label": t("home_title") });
  if (open) {
    actions.append(
      h("a", { href: "/checkin", class: "button primary big", "data-nav": true }, t("check_in")),
      h("a", { href: "/report", class: "button primary big", "data-nav": true }, t("report")),
      h("a", { href: "/end-shift", class: "button big", "data-nav": true }, t("end_shift"))
    );
  } else {
    if (choice.element) actions.append(choice.element);
    actions.append(startButton);
  }

  const outboxCard = h(
    "section",
    { class: "card outbox-card" },
    h("h2", {}, t("unsent_entries")),
    unsentLine,
    attentionBox,
    h("div", { class: "row" }, sendButton, h("a", { href: "/log", class: "button", "data-nav": true }, t("tonights_log")))
  );

  // For other features: tasks, SOS, extra-round dispatches (issue 5).
  const extra = h("section", { id: "home-extra", class: "home-extra", "aria-label": t("extra_tasks") });
  const top = h("div", { id: "home-top", class: "home-top" });
  const mine = { extra, ctx: { ...ctx, top } };
  for (const fn of extensions) runExtension(fn, mine);
  drawn.add(mine);

  const footer = h(
    "p",
    { class: "muted small footer-line" },
    ctx.user ? t("logged_in_as", { name: ctx.user.display_name || ctx.user.username }) : "",
    " ",
    h("button", { type: "button", class: "link-button", id: "logout" }, t("logout"))
  );
  footer.querySelector("#logout").addEventListener("click", () => askBeforeLogout(footer, ctx));

  // Shown by the stylesheet while the app is offline (body.is-offline): it follows the
  // network both ways without a redraw.
  const offline = h("p", { class: "notice offline-note" }, t("offline_note"));
  container.append(...[top, status, offline, actions, extra, outboxCard, footer].filter(Boolean));
  return () => {
    stopWatching();
    drawn.delete(mine);
  };
}

/**
 * "Skicka nu": sends what waits (the entries the server refused stay as they are until the
 * guard chooses), and says so when only such entries are left, so the button never seems to
 * do nothing.
 */
export async function sendNowAndSay() {
  await sendNow();
  const after = await unsentSummary();
  if (!after.records && !after.photos && after.attention) notice(t("send_now_only_attention"), "warn");
}

/**
 * "Logga ut" with unsent records, or offline, asks first (issue 10, point 4): how many records
 * are still on the phone (they are kept, and sent when their guard logs in again), and offline,
 * that logging in again needs the network.
 */
async function askBeforeLogout(footer, ctx) {
  const { records, photos, attention } = await unsentSummary();
  if (!records && !photos && !attention && navigator.onLine) {
    ctx.logout();
    return;
  }
  const yes = h("button", { type: "button", class: "big danger", id: "logout-confirm" }, t("logout_anyway"));
  const no = h("button", { type: "button", class: "big" }, t("cancel"));
  const params = { n: records, photos: photosSuffix(photos) };
  const box = h(
    "section",
    { class: "card logout-confirm", role: "alertdialog", "aria-labelledby": "logout-title" },
    h("h2", { id: "logout-title" }, t("logout_question")),
    records || photos
      ? h("p", { id: "logout-unsent" }, t(!records ? "logout_unsent_photos" : records === 1 ? "logout_unsent_one" : "logout_unsent", params))
      : null,
    attention
      ? h("p", { id: "logout-attention" }, attention === 1 ? t("attention_kept_one") : t("attention_kept", { n: attention }))
      : null,
    navigator.onLine ? null : h("p", { class: "alert warning", id: "logout-offline" }, t("logout_offline")),
    h("div", { class: "row" }, yes, no)
  );
  yes.addEventListener("click", () => ctx.logout());
  no.addEventListener("click", () => box.replaceWith(footer));
  footer.replaceWith(box);
  box.scrollIntoView({ block: "center" });
  no.focus();
}
