// "Just nu" refreshes itself: every 30 seconds (and when the tab becomes visible again) the
// board is fetched from the server and swapped in. Without JavaScript the page still works
// (reload it by hand).
const REFRESH_MS = 30_000;
const board = document.getElementById("now-board");

async function refresh() {
  if (!board || document.visibilityState === "hidden") return;
  try {
    const response = await fetch(board.dataset.refresh, { credentials: "same-origin" });
    if (response.ok) board.innerHTML = await response.text();
  } catch {
    // Offline for a moment: the next tick tries again; the stamp shows how old the board is.
  }
}

if (board) {
  setInterval(refresh, REFRESH_MS);
  document.addEventListener("visibilitychange", refresh);
}
