// The outbox replayed by the service worker itself (issue 10, point 15): where the browser
// has Background Sync it runs module service workers too (Chromium), and the worker imports
// this module, so the records go out even when no window of the app is open, with the same
// engine and rules as the page (sync.js), not a second copy. One pass at a time across the
// worker and every page (the sync engine's Web Lock).

import { noteDelivered } from "./records.js";
import { onDelivered, requestSync } from "./sync.js";

onDelivered(noteDelivered);

/** One sync pass now (and another if something was queued meanwhile). */
export function replayOutbox() {
  return requestSync();
}
