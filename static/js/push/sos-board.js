// Keeps the open SOS list (templates/push/_open_sos.html) current on a supervisor page: it
// reloads the list every few seconds and at once when a push arrives (sw-push.js tells open
// windows). Include the partial with {{ push_open_sos() }} and load this module.

const REFRESH_MS = 10_000;

async function refresh() {
  const board = document.getElementById("open-sos");
  if (!board || !board.dataset.refresh) return;
  try {
    const answer = await fetch(board.dataset.refresh, { credentials: "same-origin", cache: "no-store" });
    if (!answer.ok) return;
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    const fresh = page.getElementById("open-sos");
    if (fresh) board.replaceChildren(...fresh.childNodes);
    // "Kvittera" brings the supervisor back to this page, not to the list it was fetched from.
    for (const input of board.querySelectorAll('input[name="next"]')) input.value = location.pathname;
  } catch (_) {
    // offline for a moment: keep what is shown
  }
  const none = document.getElementById("no-sos");
  if (none) none.hidden = Boolean(board.querySelector(".sos-alert"));
}

setInterval(refresh, REFRESH_MS);
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.type === "push") refresh();
  });
}
refresh();
