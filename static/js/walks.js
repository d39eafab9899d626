// Safety walks (issue 14), the part the home screen needs: the walks cached for offline use,
// fetched again when the app is online and after each sync pass, and the home card that lists
// them. The walk itself (checklist, shortcomings with photos) is screen-walk.js, loaded when it
// is opened.
//
// app.js loads this module once the first screen is ready (home-cards.js): the card then draws
// into the home screen on the page (addHomeExtension).

import { cachedResource } from "./cached-resource.js";
import { addStrings, t } from "./i18n.js";
import { addHomeExtension } from "./screen-home.js";
import { onSyncComplete } from "./sync.js";
import { h } from "./ui.js";

export const PATH = "/walk";
const WALKS_KEY = "walks";

addStrings({ sv: { walk_title: "Trygghetsvandring" }, en: { walk_title: "Safety walk" } });

const walksCache = cachedResource("/api/v1/walks", WALKS_KEY);

/** Fetch the walks when online and keep them for offline use. */
export const refreshWalks = walksCache.refresh;

/** Called when new walks are cached (the home card, the screen). */
export const walkListeners = walksCache.listeners;

export async function cachedWalks() {
  const stored = await walksCache.read();
  return { walks: stored.walks || [], fetchedAt: stored.fetchedAt };
}

/** A link to one walk, as the home card and the screen's list show it. */
export function walkLink(walk) {
  return h("a", { href: `${PATH}?id=${walk.id}`, class: "button big", "data-nav": true }, `${walk.area_name} ${walk.walk_date}`);
}

// --- home card ---------------------------------------------------------------------------------

addHomeExtension((container, ctx) => {
  if (!ctx.user) return;
  const card = h("section", { class: "card walk-card", "aria-labelledby": "walk-home-title", hidden: true });
  container.append(card);
  const fill = async () => {
    if (!card.isConnected && card.dataset.drawn) {
      walkListeners.delete(fill);
      return;
    }
    const { walks } = await cachedWalks();
    card.dataset.drawn = "1";
    card.hidden = !walks.length;
    card.replaceChildren(h("h2", { id: "walk-home-title" }, t("walk_title")), ...walks.map(walkLink));
  };
  walkListeners.add(fill);
  fill();
  refreshWalks();
});

onSyncComplete((result) => {
  if (result && !result.offline && !result.needsLogin) refreshWalks();
});
