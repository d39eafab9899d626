// The guard app's entry: router, top bar (unsent count, online state, language), service
// worker registration with the "Ny version finns" banner, login state, and sync start-up.
//
// Screens are modules with `render(container, ctx)`; they may return a cleanup function.
// URLs: / (home), /checkin, /c/<token> (a scanned QR code), /report, /log, /end-shift.

import * as api from "./api.js";
import { deleteValue, getValue, setValue } from "./db.js";
import { language, setLanguage, t } from "./i18n.js";
import { count as outboxCount, onOutboxChange } from "./outbox.js";
import * as sync from "./sync.js";
import { coalesce } from "./ui.js";
import * as checkinScreen from "./screen-checkin.js";
import * as endShiftScreen from "./screen-end-shift.js";
import * as homeScreen from "./screen-home.js";
import * as logScreen from "./screen-log.js";
import * as loginScreen from "./screen-login.js";
import * as reportScreen from "./screen-report.js";
import * as residentsScreen from "./screen-residents.js"; // issue 14: resident information
import * as walkScreen from "./screen-walk.js"; // issue 14: safety walks
import "./guard-push.js"; // issue 5: SOS, extra rounds and notifications on the home screen

const ROUTES = {
  "/": homeScreen,
  "/checkin": checkinScreen,
  "/report": reportScreen,
  "/log": logScreen,
  "/end-shift": endShiftScreen,
  [residentsScreen.PATH]: residentsScreen,
  [walkScreen.PATH]: walkScreen,
};
// Screens with a form: an update never reloads the app under the guard's thumb there.
const FORM_SCREENS = new Set([checkinScreen, reportScreen, endShiftScreen, loginScreen, residentsScreen, walkScreen]);

const state = {
  user: null,
  screen: null,
  cleanup: null,
  waitingWorker: null,
  reloadOnControllerChange: false,
};

function routeFor(pathname) {
  const qr = pathname.match(/^\/c\/([^/]+)$/);
  if (qr) return { screen: checkinScreen, params: { token: decodeURIComponent(qr[1]) } };
  return { screen: ROUTES[pathname] || homeScreen, params: {} };
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  render();
}

let renderSeq = 0;

/**
 * Draw the screen for the current URL. Screens render asynchronously (IndexedDB reads), so
 * each render draws into its own element and only the newest one is put on the page.
 */
async function render() {
  const seq = ++renderSeq;
  const container = document.getElementById("screen");
  const needsLogin = !state.user || sync.syncState.needsLogin;
  const { screen, params } = needsLogin ? { screen: loginScreen, params: {} } : routeFor(location.pathname);
  const body = document.createElement("div");
  body.className = "screen-body";
  const ctx = { navigate, params, user: state.user, onLoggedIn, logout, rerender: render };
  const cleanup = (await screen.render(body, ctx)) || null;
  if (seq !== renderSeq) {
    // A newer navigation won while this screen was loading: drop this one.
    if (cleanup) cleanup();
    return;
  }
  if (state.cleanup) {
    try {
      state.cleanup();
    } catch (error) {
      console.error(error);
    }
  }
  state.cleanup = cleanup;
  state.screen = screen;
  container.replaceChildren(body);
  document.body.dataset.screen = screen.NAME || "";
  const autofocus = body.querySelector("[data-autofocus]");
  if (autofocus) autofocus.focus();
  updateChrome();
  showUpdateBannerIfAllowed();
  if (document.body.dataset.ready !== "1") {
    document.body.dataset.ready = "1";
    // From navigation to a usable screen: what bench/client.py reports as cold start.
    performance.mark("nattpatrull-ready");
  }
}

async function onLoggedIn(me) {
  state.user = me.user;
  await setValue("user", me.user);
  refreshSites();
  const resumed = sync.loggedIn(); // clears "login needed" at once, then sends everything
  await render();
  return resumed;
}

// --- top bar -----------------------------------------------------------------------------

let unsentAsked = 0;

async function updateUnsent() {
  const element = document.getElementById("unsent");
  const mine = ++unsentAsked;
  const n = await outboxCount();
  if (mine !== unsentAsked) return; // a newer count is on its way
  element.textContent = n === 0 ? t("unsent_none") : n === 1 ? t("unsent_one") : t("unsent_many", { n });
  element.dataset.count = String(n);
  element.classList.toggle("pending", n > 0);
}

function updateNetState() {
  const element = document.getElementById("net-state");
  const online = navigator.onLine;
  element.textContent = sync.syncState.syncing ? t("syncing") : online ? t("online") : t("offline");
  element.classList.toggle("offline", !online);
  document.body.classList.toggle("is-offline", !online);
}

function updateChrome() {
  document.documentElement.lang = language();
  const switchButton = document.getElementById("lang-switch");
  switchButton.textContent = t("language_switch");
  switchButton.lang = language() === "sv" ? "en" : "sv";
  const loginBanner = document.getElementById("login-banner");
  loginBanner.hidden = !(state.user && sync.syncState.needsLogin);
  document.getElementById("login-text").textContent = t("login_needed");
  document.getElementById("update-text").textContent = t("new_version");
  document.getElementById("update-apply").textContent = t("apply_update");
  updateNetState();
  updateUnsent();
}

// --- service worker and updates ----------------------------------------------------------

function showUpdateBannerIfAllowed() {
  const banner = document.getElementById("update-banner");
  banner.hidden = !(state.waitingWorker && !FORM_SCREENS.has(state.screen));
}

function watchForUpdates(registration) {
  const consider = () => {
    // A waiting worker with a controller present is an update (not the first install).
    if (registration.waiting && navigator.serviceWorker.controller) {
      state.waitingWorker = registration.waiting;
      showUpdateBannerIfAllowed();
    }
  };
  consider();
  registration.addEventListener("updatefound", () => {
    const installing = registration.installing;
    if (!installing) return;
    installing.addEventListener("statechange", () => {
      if (installing.state === "installed") consider();
    });
  });
}

async function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (state.reloadOnControllerChange) location.reload();
  });
  document.getElementById("update-apply").addEventListener("click", () => {
    if (!state.waitingWorker) return;
    state.reloadOnControllerChange = true;
    state.waitingWorker.postMessage({ type: "SKIP_WAITING" });
  });
  try {
    const registration = await navigator.serviceWorker.register("/service-worker.js", { scope: "/" });
    watchForUpdates(registration);
    // Look for a new deployment whenever the guard comes back to the app.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && navigator.onLine) registration.update().catch(() => {});
    });
  } catch (error) {
    console.error("service worker registration failed", error);
  }
}

// --- session and sites -------------------------------------------------------------------

const SITES_REFRESH_MS = 10 * 60 * 1000;
let sitesRefreshedAt = 0;

/** The sites cache for offline check-ins and reports, refreshed with If-None-Match. */
export async function refreshSites() {
  if (!navigator.onLine) return;
  sitesRefreshedAt = Date.now();
  try {
    const etag = await getValue("sitesEtag");
    const answer = await api.getSites(etag);
    if (answer.status === 200) {
      await setValue("sites", answer.sites);
      await setValue("sitesEtag", answer.etag);
    } else if (answer.status !== 304) {
      sitesRefreshedAt = 0; // try again after the next sync pass
    }
  } catch (_) {
    sitesRefreshedAt = 0; // offline: keep the cached copy, try again later
  }
}

/** Check the session with the server when we can; a lost session asks for a login. */
async function checkSession() {
  try {
    const me = await api.getMe();
    if (me.user) {
      state.user = me.user;
      await setValue("user", me.user);
      refreshSites();
      if (sync.syncState.needsLogin) sync.loggedIn();
      return "ok";
    }
    if (state.user) sync.needLogin();
    return "logged_out";
  } catch (_) {
    return "offline";
  }
}

export async function logout() {
  try {
    await api.logout();
  } catch (_) {
    // offline: the cookie is gone from this phone's point of view anyway
  }
  await deleteValue("user");
  state.user = null;
  navigator.serviceWorker?.controller?.postMessage({ type: "CLEAR_API_CACHE" });
  navigate("/", { replace: true });
}

// --- start -------------------------------------------------------------------------------

async function start() {
  setLanguage(language());
  document.getElementById("lang-switch").addEventListener("click", () => {
    setLanguage(language() === "sv" ? "en" : "sv");
    render();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-nav]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    const target = new URL(link.href);
    navigate(target.pathname + target.search); // /walk?id=N keeps its query
  });
  window.addEventListener("popstate", () => render());
  window.addEventListener("online", () => {
    updateNetState();
    checkSession();
  });
  window.addEventListener("offline", updateNetState);
  onOutboxChange(coalesce(updateUnsent));
  // Keep the sites cache fresh while the app is used online (new checkpoints, renamed ones).
  sync.onSyncComplete((result) => {
    if (state.user && !result.offline && !result.needsLogin && Date.now() - sitesRefreshedAt > SITES_REFRESH_MS) {
      refreshSites();
    }
  });
  sync.onSyncState(() => {
    updateNetState();
    updateUnsent();
    // The server said the session is gone: show the login screen (nothing is dropped).
    const onLogin = state.screen === loginScreen;
    if (sync.syncState.needsLogin && state.user && !onLogin) render();
  });

  registerServiceWorker();
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(() => {});
  }

  // Offline first: the cached user opens the app at once; the server is asked afterwards.
  state.user = (await getValue("user")) || null;
  if (!state.user) await checkSession();
  await render();
  sync.startSyncTriggers();
  if (state.user) checkSession();
}

start();
