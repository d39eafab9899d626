// Resident information (issue 14), the part the home screen needs: the plans cached for offline
// use, fetched again when the app is online and after each sync pass, and the home card while
// entrances are left. The screen where the guard marks entrances done is screen-residents.js,
// loaded when it is opened.
//
// app.js loads this module once the first screen is ready (home-cards.js): the card then draws
// into the home screen on the page (addHomeExtension).

import { NetworkError } from "./api.js";
import { getValue, transaction } from "./db.js";
import { addStrings, t } from "./i18n.js";
import { addHomeExtension } from "./screen-home.js";
import { onSyncComplete } from "./sync.js";
import { h } from "./ui.js";

export const PATH = "/resident-info";
const PLANS_KEY = "residentInfo";
export const DONE_KEY = "residentInfoDone";

addStrings({
  sv: {
    ri_title: "Boendeinformation",
    ri_left: "{n} entréer kvar",
    ri_left_one: "1 entré kvar",
    ri_open: "Visa boendeinformation",
  },
  en: {
    ri_title: "Resident information",
    ri_left: "{n} entrances left",
    ri_left_one: "1 entrance left",
    ri_open: "Show resident information",
  },
});

/** Fetch the plans when online and keep them for offline use. */
export async function refreshPlans() {
  if (!navigator.onLine) return;
  try {
    const response = await fetch("/api/v1/resident-info", { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    const body = await response.json();
    await transaction(["kv"], "readwrite", (s) => s.kv.put({ plans: body.plans, fetchedAt: new Date().toISOString() }, PLANS_KEY));
    for (const fn of planListeners) fn();
  } catch (error) {
    if (!(error instanceof NetworkError) && !(error instanceof TypeError)) console.error(error);
  }
}

/** Called when new plans are cached (the home card, the screen). */
export const planListeners = new Set();

export async function cached() {
  const [stored, done] = await Promise.all([getValue(PLANS_KEY), getValue(DONE_KEY)]);
  return { plans: (stored && stored.plans) || [], fetchedAt: stored && stored.fetchedAt, done: done || {} };
}

/** Done on the server, or recorded on this phone (maybe not sent yet). */
export function isDone(entrance, done) {
  return entrance.done || Boolean(done[entrance.id] && done[entrance.id].length);
}

function entrancesLeft(plans, done) {
  return plans.reduce((n, plan) => n + plan.entrances.filter((e) => !isDone(e, done)).length, 0);
}

// --- home card -----------------------------------------------------------------------------

addHomeExtension((container, ctx) => {
  if (!ctx.user) return;
  const card = h("section", { class: "card resident-info-card", "aria-labelledby": "ri-home-title", hidden: true });
  container.append(card);
  const fill = async () => {
    if (!card.isConnected && card.dataset.drawn) {
      planListeners.delete(fill); // the home screen was left
      return;
    }
    const { plans, done } = await cached();
    const left = entrancesLeft(plans, done);
    card.dataset.drawn = "1";
    card.hidden = !left;
    card.replaceChildren(
      h("h2", { id: "ri-home-title" }, t("ri_title")),
      h("p", { class: "ri-left" }, left === 1 ? t("ri_left_one") : t("ri_left", { n: left })),
      h("a", { href: PATH, class: "button big", "data-nav": true }, t("ri_open"))
    );
  };
  planListeners.add(fill);
  fill();
  refreshPlans();
});

onSyncComplete((result) => {
  if (result && !result.offline && !result.needsLogin) refreshPlans();
});
