/* Push notifications in the service worker (classic script).
 *
 * Loaded by the root service-worker.js with importScripts("/static/js/sw-push.js"), so the
 * push handlers live in the one worker whose scope is the whole site.
 *
 * - push: shows the notification the server sent (JSON: type, title, body, url, tag, id);
 *   an alarm (an SOS, a "Jag är OK" timer that ran out, a silence: ALARM_TYPES) vibrates hard,
 *   each in its own rhythm, and stays until touched. Open windows of the app hear about it too
 *   ({type: "push", payload}) so they can refresh tasks or the SOS list at once.
 * - notificationclick: focuses a window of the app already showing that page (or asks an open
 *   one to go there), else opens a new window. Only our own origin is ever opened.
 * - pushsubscriptionchange: the browser renewed the subscription; tell the server the new
 *   one (and drop the old) so alerts keep arriving without the guard doing anything.
 */
/* global self, clients */

const PUSH_ICON = "/static/icons/icon-192.png";
const PUSH_VIBRATION = {
  sos: [500, 200, 500, 200, 500, 200, 1000],
  // The server's alarms for a guard (patrol.alarms): as hard as an SOS, told apart by feel.
  timer: [500, 200, 500, 200, 1000, 200, 1000],
  silence: [1000, 300, 1000, 300, 1000],
  sos_ack: [200, 100, 200],
  acute: [300, 150, 300, 150, 300],
  dispatch: [200, 100, 200],
};

/** Extend the event's lifetime; a synthetic event (DevTools, tests) cannot be extended. */
function patrolExtend(event, promise) {
  if (event.isTrusted) {
    event.waitUntil(promise);
  } else {
    promise.catch((error) => console.error(error));
  }
  return promise;
}

function patrolPushData(event) {
  if (!event.data) return {};
  try {
    return event.data.json();
  } catch (_) {
    return { body: event.data.text() };
  }
}

// Alarms about a guard: they stay on screen until someone touches them.
const ALARM_TYPES = new Set(["sos", "timer", "silence"]);

async function patrolShowPush(data) {
  const type = data.type || "message";
  const alarm = ALARM_TYPES.has(type);
  const urgent = alarm || type === "acute";
  const options = {
    body: data.body || "",
    icon: PUSH_ICON,
    badge: PUSH_ICON,
    data: { url: data.url || "/", type, id: data.id || null },
    timestamp: Date.now(),
    requireInteraction: alarm,
  };
  if (data.tag) {
    options.tag = data.tag;
    options.renotify = urgent; // a repeated alarm (its escalation) must ring again, not replace silently
  }
  if (PUSH_VIBRATION[type]) options.vibrate = PUSH_VIBRATION[type];
  await self.registration.showNotification(data.title || "Nattpatrull", options);
  const windows = await clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: "push", payload: data });
}

/** The page to open: a path of our own origin; anything else opens the start page. */
function patrolTargetUrl(url) {
  try {
    const target = new URL(url || "/", self.location.origin);
    if (target.origin === self.location.origin) return target;
  } catch (_) {
    // fall through
  }
  return new URL("/", self.location.origin);
}

async function patrolOpen(url) {
  const target = patrolTargetUrl(url);
  const windows = await clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find((w) => new URL(w.url).pathname === target.pathname);
  let client = same || windows[0] || null;
  if (same) {
    // Already on that page: it scrolls to the item itself (a hash), no reload.
    same.postMessage({ type: "open", url: target.pathname + target.search + target.hash });
  } else if (client) {
    try {
      client = (await client.navigate(target.href)) || client;
    } catch (_) {
      // not controlled by this worker: ask the page to go there itself
      client.postMessage({ type: "open", url: target.pathname + target.search + target.hash });
    }
  } else {
    return clients.openWindow(target.href);
  }
  try {
    await client.focus();
  } catch (_) {
    // focus needs the user's click on the notification; a synthetic event has none
  }
  return client;
}

async function patrolResubscribe(event) {
  const old = event.oldSubscription;
  let fresh = event.newSubscription;
  if (!fresh) {
    let key = old && old.options && old.options.applicationServerKey;
    if (!key) {
      const answer = await fetch("/api/v1/push/key", { credentials: "same-origin" });
      key = (await answer.json()).public_key;
    }
    fresh = await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key,
    });
  }
  const me = await (await fetch("/api/v1/me", { credentials: "same-origin" })).json();
  if (!me.user) return; // logged out: the app subscribes again after the next login
  const headers = { "Content-Type": "application/json", "X-CSRFToken": me.csrf_token };
  await fetch("/api/v1/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: JSON.stringify(fresh.toJSON()),
  });
  if (old && old.endpoint && old.endpoint !== fresh.endpoint) {
    await fetch("/api/v1/push/subscriptions", {
      method: "DELETE",
      credentials: "same-origin",
      headers,
      body: JSON.stringify({ endpoint: old.endpoint }),
    });
  }
}

self.addEventListener("push", (event) => {
  patrolExtend(event, patrolShowPush(patrolPushData(event)));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  patrolExtend(event, patrolOpen(data.url));
});

self.addEventListener("pushsubscriptionchange", (event) => {
  patrolExtend(event, patrolResubscribe(event));
});
