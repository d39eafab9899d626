// A list the server keeps and the phone caches for offline use (resident-information plans,
// safety walks): fetched again while online, stored with the time it was fetched, and read
// from the cache by the home card and the screen, online or not.

import { NetworkError, getJson } from "./api.js";
import { getValue, setValue } from "./db.js";

/**
 * {refresh, read, listeners} for the JSON resource at `url`, cached under `key`:
 * refresh() fetches and stores it (nothing offline, nothing on an error answer: the cached
 * copy stays), read() is the cached answer plus `fetchedAt` ({} before the first fetch), and
 * every function in `listeners` is called when a new answer has been stored.
 */
export function cachedResource(url, key) {
  const listeners = new Set();
  async function refresh() {
    if (!navigator.onLine) return;
    try {
      const answer = await getJson(url);
      if (!answer.ok || !answer.body) return;
      await setValue(key, { ...answer.body, fetchedAt: new Date().toISOString() });
      for (const fn of listeners) fn();
    } catch (error) {
      if (!(error instanceof NetworkError)) console.error(error);
    }
  }
  async function read() {
    return (await getValue(key)) || {};
  }
  return { refresh, read, listeners };
}
