// Push and SOS in the guard app: wires issue 5's modules into the app shell. Imported once by
// app.js, so what the first screen needs is here: the SOS banner and button, acknowledgements
// and the notification's "open" messages. Extra rounds, the notification settings and the
// refresh of this device's push subscription are in push-cards.js (a home card, loaded with
// the others once the first screen is ready: home-cards.js), so push.js is not on the start.

import { addHomeExtension } from "./screen-home.js";
import { mountSosBanner, mountSosButton, sosAcknowledged } from "./sos.js";

// The pending SOS stays at the top of every screen (sos.js).
mountSosBanner(document.getElementById("banners"));

addHomeExtension((_container, ctx) => {
  if (!ctx.user) return;
  // At the top of the home screen: never below the fold (issue 10, point 3).
  mountSosButton(ctx.top);
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "push") {
      const payload = data.payload || {};
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
