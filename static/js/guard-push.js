// Push, SOS and extra rounds in the guard app: wires issue 5's modules into the app shell.
// Imported once by app.js. Everything here adds to the app through its extension points:
// addHomeExtension (home screen blocks), onSyncComplete (fetch open extra rounds when the app
// syncs), and messages from the service worker (sw-push.js).

import { refreshDispatches, mountDispatchTasks } from "./dispatch-tasks.js";
import { refreshDrills } from "./drills.js";
import { t } from "./i18n.js";
import { mountPushControl, refreshSubscription } from "./push.js";
import { addHomeExtension } from "./screen-home.js";
import { mountSosBanner, mountSosButton, sosAcknowledged } from "./sos.js";
import { onSyncComplete } from "./sync.js";
import { h } from "./ui.js";

let loggedIn = false;

// The pending SOS stays at the top of every screen (sos.js).
mountSosBanner(document.getElementById("banners"));

addHomeExtension((container, ctx) => {
  loggedIn = Boolean(ctx.user);
  if (!ctx.user) return;
  // At the top of the home screen: never below the fold (issue 10, point 3).
  mountSosButton(ctx.top);
  mountDispatchTasks(container, ctx.top);
  const pushControl = h("div", { class: "push-control" });
  container.append(
    h("section", { class: "card push-card", "aria-labelledby": "push-title" },
      h("h2", { id: "push-title" }, t("push_title")), pushControl)
  );
  mountPushControl(pushControl);
  refreshDispatches();
  refreshDrills(); // alarm drills (drills.js): asked when the app opens, too
});

onSyncComplete((result) => {
  if (!loggedIn || (result && result.offline)) return;
  refreshDispatches();
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "push") {
      const payload = data.payload || {};
      if (payload.type === "dispatch") refreshDispatches();
      if (payload.type === "sos_ack") sosAcknowledged(payload.id, payload.by);
    } else if (data.type === "open" && typeof data.url === "string") {
      const target = new URL(data.url, location.origin);
      if (target.origin !== location.origin) return;
      if (target.pathname !== location.pathname) {
        history.pushState({}, "", target.pathname + target.hash);
        window.dispatchEvent(new PopStateEvent("popstate"));
      } else if (target.hash) {
        document.getElementById(target.hash.slice(1))?.scrollIntoView({ block: "center" });
      }
    }
  });
}

// Keep the server's copy of this device's subscription fresh (a renewed key, a new user).
refreshSubscription();
