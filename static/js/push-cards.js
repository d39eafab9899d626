// Extra rounds and the notification settings on the home screen (issue 5): home cards, loaded
// by home-cards.js once the first screen is ready, so the start stays within its budget
// (bench/client.py, figure 1) while the SOS button (guard-push.js) is there from the start.
// Open extra rounds are fetched when home is drawn, after each sync and on their push.

import { mountDispatchTasks, refreshDispatches } from "./dispatch-tasks.js";
import { t } from "./i18n.js";
import { mountPushControl, refreshSubscription } from "./push.js";
import { addHomeExtension } from "./screen-home.js";
import { onSyncComplete } from "./sync.js";
import { h } from "./ui.js";

let loggedIn = false;

// Keep the server's copy of this device's subscription fresh (a renewed key, a new user): once
// per app start, just after the first screen is ready.
refreshSubscription();

addHomeExtension((container, ctx) => {
  loggedIn = Boolean(ctx.user);
  if (!ctx.user) return;
  mountDispatchTasks(container, ctx.top);
  const pushControl = h("div", { class: "push-control" });
  container.append(
    h("section", { class: "card push-card", "aria-labelledby": "push-title" },
      h("h2", { id: "push-title" }, t("push_title")), pushControl)
  );
  mountPushControl(pushControl);
  refreshDispatches();
});

onSyncComplete((result) => {
  if (!loggedIn || (result && result.offline)) return;
  refreshDispatches();
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "push" && (data.payload || {}).type === "dispatch") refreshDispatches();
  });
}
