// Resident information (issue 14), the part the home screen needs: the plans cached for offline
// use, fetched again when the app is online and after each sync pass, and the home card while
// entrances are left. The screen where the guard marks entrances done is screen-residents.js,
// loaded when it is opened.
//
// app.js loads this module once the first screen is ready (home-cards.js): the card then draws
// into the home screen on the page (addHomeExtension).

import { cachedResource } from "./cached-resource.js";
import { getValue } from "./db.js";
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

const plansCache = cachedResource("/api/v1/resident-info", PLANS_KEY);

/** Fetch the plans when online and keep them for offline use. */
export const refreshPlans = plansCache.refresh;

/** Called when new plans are cached (the home card, the screen). */
export const planListeners = plansCache.listeners;

export async function cached() {
  const [stored, done] = await Promise.all([plansCache.read(), getValue(DONE_KEY)]);
  return { plans: stored.plans || [], fetchedAt: stored.fetchedAt, done: done || {} };
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
