// Web Push on this device: "Aktivera aviseringar", the permission flow, and keeping the
// server's copy of the subscription fresh. Used by the guard app (guard-push.js) and the
// supervisor's pages (push/alerts-page.js).
//
// The browser's subscription is POSTed to /api/v1/push/subscriptions (PushSubscription.toJSON())
// and DELETEd when turned off. When the browser cannot do push, the control says why, plainly:
// an iPhone/iPad only gets Web Push in an app added to the home screen (iOS 16.4+).

import { getJson, sendJson } from "./api.js";
import { t } from "./i18n.js";

/**
 * The app's service worker: where the browser has Background Sync (Chromium, which runs module
 * workers too) the module form, which delivers the outbox with no window open; elsewhere the
 * classic script, and the open page syncs (see service-worker.js).
 */
export function serviceWorkerScript() {
  return "SyncManager" in self
    ? { url: "/service-worker-module.js", options: { scope: "/", type: "module" } }
    : { url: "/service-worker.js", options: { scope: "/" } };
}

/** The control's words (i18n.js, "push_<key>"). */
function text(key, params = {}) {
  return t(`push_${key}`, params);
}

function isIos() {
  const ua = navigator.userAgent || "";
  return /iPad|iPhone|iPod/.test(ua) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function isStandalone() {
  return window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;
}

/** {ok: true} or {ok: false, reason: "ios" | "unsupported" | "denied"}. */
export function pushSupport() {
  if (isIos() && !isStandalone()) return { ok: false, reason: "ios" };
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return { ok: false, reason: "unsupported" };
  }
  if (Notification.permission === "denied") return { ok: false, reason: "denied" };
  return { ok: true };
}

function base64UrlToBytes(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function send(method, body) {
  const answer = await sendJson(method, "/api/v1/push/subscriptions", body);
  if (!answer.ok) throw new Error(answer.message);
}

async function registration() {
  const existing = await navigator.serviceWorker.getRegistration("/");
  if (existing) return existing;
  const worker = serviceWorkerScript();
  await navigator.serviceWorker.register(worker.url, worker.options);
  return navigator.serviceWorker.ready;
}

/** The browser's current subscription (null when off or unsupported). */
export async function currentSubscription() {
  if (!pushSupport().ok) return null;
  const reg = await navigator.serviceWorker.getRegistration("/");
  return reg ? reg.pushManager.getSubscription() : null;
}

/**
 * Ask for permission (call from a click: browsers require a user gesture), subscribe with the
 * server's VAPID key, and tell the server. Resolves {ok, reason}.
 */
export async function enablePush() {
  const support = pushSupport();
  if (!support.ok) return support;
  const permission = await Notification.requestPermission();
  if (permission === "denied") return { ok: false, reason: "denied" };
  if (permission !== "granted") return { ok: false, reason: "dismissed" };
  try {
    const keyAnswer = await getJson("/api/v1/push/key");
    if (!keyAnswer.ok) throw new Error(keyAnswer.body?.message || `HTTP ${keyAnswer.status}`);
    const { public_key: key } = keyAnswer.body;
    const reg = await registration();
    let sub = await reg.pushManager.getSubscription();
    const wanted = base64UrlToBytes(key);
    const current = sub && sub.options.applicationServerKey;
    if (sub && current && !sameBytes(new Uint8Array(current), wanted)) {
      await sub.unsubscribe(); // the server's key changed: the old subscription is useless
      sub = null;
    }
    if (!sub) {
      sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: wanted });
    }
    await send("POST", sub.toJSON());
    return { ok: true };
  } catch (error) {
    if (!navigator.onLine) return { ok: false, reason: "offline" };
    return { ok: false, reason: "failed", detail: String(error.message || error) };
  }
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

export async function disablePush() {
  const sub = await currentSubscription();
  if (!sub) return;
  const endpoint = sub.endpoint;
  await sub.unsubscribe();
  await send("DELETE", { endpoint });
}

/**
 * On app start and after login: when this device already has a subscription, send it again.
 * It keeps the server's copy fresh (keys renewed while the app was closed, another user
 * logged in on this phone). Quiet: failures are retried next time.
 */
export async function refreshSubscription() {
  try {
    if (!pushSupport().ok || Notification.permission !== "granted") return false;
    const sub = await currentSubscription();
    if (!sub) return false;
    await send("POST", sub.toJSON());
    return true;
  } catch (_) {
    return false;
  }
}

/** Draw the control: a status line and one button ("Aktivera aviseringar" / "Stäng av"). */
export function mountPushControl(container) {
  const status = document.createElement("p");
  status.className = "push-status muted";
  status.setAttribute("role", "status");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "push-toggle";
  container.replaceChildren(status, button);

  const show = async (message) => {
    const support = pushSupport();
    const sub = support.ok ? await currentSubscription() : null;
    button.hidden = !support.ok; // nothing a tap could fix: the status line says what to do
    button.disabled = false;
    button.textContent = sub ? text("disable") : text("enable");
    button.classList.toggle("primary", !sub);
    button.dataset.state = sub ? "on" : "off";
    status.textContent = message || (!support.ok ? text(support.reason) : sub ? text("on") : text("off"));
  };

  button.addEventListener("click", async () => {
    button.disabled = true;
    if (button.dataset.state === "on") {
      try {
        await disablePush();
      } catch (error) {
        await show(text("failed", { reason: error.message }));
        return;
      }
      await show();
      return;
    }
    status.textContent = text("working");
    const result = await enablePush();
    if (result.ok) await show();
    else await show(text(result.reason, { reason: result.detail || "" }));
  });
  show();
  return { refresh: show };
}
