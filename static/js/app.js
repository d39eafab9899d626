// The guard app's entry: router, top bar (unsent count, online state, language), service
// worker registration with the "Ny version finns" banner, login state, and sync start-up.
//
// Screens are modules with `render(container, ctx)`; they may return a cleanup function.
// URLs: the server's SCREENS (/app-data.js), and /c/<token> (a scanned QR code).

import { SCREENS } from "/app-data.js";
import * as api from "./api.js";
import { deleteValue, getValue, setValue } from "./db.js";
import { language, setLanguage, t, unsentCounterText } from "./i18n.js";
import { keepOffsets } from "./nights.js";
import { currentStatus, watchStatus } from "./outbox.js";
import { noteDelivered } from "./records.js";
import * as sync from "./sync.js";
import * as homeScreen from "./screen-home.js";
import "./guard-push.js"; // issue 5: SOS, extra rounds and notifications on the home screen
// The cards of rounds, resident information and safety walks load once the first screen is
// ready (home-cards.js, imported at the end of the first render()).

// The other screens load when they are first opened (precached: offline too), so the home
// screen starts with only what it needs. Keyed by each module's NAME; the paths are the
// server's (SCREENS).
const SCREEN_LOADERS = {
  home: async () => homeScreen,
  checkin: () => import("./screen-checkin.js"),
  report: () => import("./screen-report.js"),
  log: () => import("./screen-log.js"),
  "end-shift": () => import("./screen-end-shift.js"),
  rounds: () => import("./screen-rounds.js"), // tonight's rounds (home block in rounds.js)
  "resident-info": () => import("./screen-residents.js"), // resident information
  walk: () => import("./screen-walk.js"), // safety walks
};
// The login screen too: a guard with a session (the usual start) never needs it.
const loadLogin = () => import("./screen-login.js");
const ROUTES = Object.fromEntries(Object.entries(SCREEN_LOADERS).map(([name, load]) => [SCREENS[name], load]));
// Screens with a form: an update never reloads the app under the guard's thumb there.
const FORM_SCREENS = new Set(["checkin", "report", "end-shift", "login", "rounds", "resident-info", "walk"]);

const state = {
  user: null,
  screen: null,
  cleanup: null,
  waitingWorker: null,
  reloadOnControllerChange: false,
};

function routeFor(pathname) {
  const qr = pathname.match(/^\/c\/([^/]+)$/);
  if (qr) return { load: SCREEN_LOADERS.checkin, params: { token: decodeURIComponent(qr[1]) } };
  return { load: ROUTES[pathname] || SCREEN_LOADERS.home, params: {} };
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
  const { load, params } = needsLogin ? { load: loadLogin, params: {} } : routeFor(location.pathname);
  const screen = await load();
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
  // A new screen starts at the top, where the confirmation of what was just saved shows.
  if (!location.hash) window.scrollTo(0, 0);
  document.body.dataset.screen = screen.NAME || "";
  const autofocus = body.querySelector("[data-autofocus]");
  if (autofocus) autofocus.focus();
  updateChrome();
  showUpdateBannerIfAllowed();
  if (document.body.dataset.ready !== "1") {
    document.body.dataset.ready = "1";
    // From navigation to a usable screen: what bench/client.py reports as cold start.
    performance.mark("nattpatrull-ready");
    // Then the home screen's other cards (precached: offline too); they draw into the home
    // screen on the page when they arrive, below its actions and the SOS button.
    import("./home-cards.js").catch((error) => console.error("home cards failed to load", error));
  }
}

/** What the server says about the session, kept for offline use (the duty phone for SOS). */
async function remember(me) {
  state.user = me.user;
  await setValue("user", me.user);
  await setValue("dutyPhone", me.duty_phone || null);
}

/** Ask the browser to keep the app's data (the outbox) under storage pressure. */
function askForPersistentStorage() {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
}

async function onLoggedIn(me) {
  await remember(me);
  askForPersistentStorage();
  refreshSites();
  const resumed = sync.loggedIn(); // clears "login needed" at once, then sends everything
  await render();
  return resumed;
}

// --- top bar -----------------------------------------------------------------------------

/** The top bar's counter, from the outbox's status (outbox.js: one snapshot for every screen). */
function updateUnsent(summary = currentStatus()) {
  const element = document.getElementById("unsent");
  if (!summary) return; // the first snapshot is on its way
  element.textContent = unsentCounterText(summary);
  // data-count: outbox entries (requests), data-records / data-photos: what waits to be sent,
  // data-attention: what the server refused and only the guard can move (never "osänd").
  element.dataset.count = String(summary.entries);
  element.dataset.records = String(summary.records);
  element.dataset.photos = String(summary.photos);
  element.dataset.attention = String(summary.attention);
  element.classList.toggle("pending", summary.records + summary.photos > 0);
  element.classList.toggle("attention", summary.attention > 0);
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
  banner.hidden = !(state.waitingWorker && !FORM_SCREENS.has(state.screen && state.screen.NAME));
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
    // push.js (which of the worker's two forms) is not needed for the first screen: the
    // registration waits until it is drawn (start()).
    const { serviceWorkerScript } = await import("./push.js");
    const worker = serviceWorkerScript();
    const registration = await navigator.serviceWorker.register(worker.url, worker.options);
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
      window.dispatchEvent(new Event("sites-updated")); // e.g. tonight's rounds (rounds.js)
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
    if (!(await sync.settlePendingLogout())) return "offline";
    const me = await api.getMe();
    if (me.user) {
      await remember(me);
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
  // Offline, the logout waits on the phone and goes first when the network is back; the
  // outbox is kept either way and sent when its user logs in again.
  await sync.logOut();
  await deleteValue("user");
  state.user = null;
  navigator.serviceWorker?.controller?.postMessage({ type: "CLEAR_API_CACHE" });
  navigate("/", { replace: true });
}

// --- start -------------------------------------------------------------------------------

async function start() {
  // IndexedDB opens off the main thread while the listeners below are set up.
  const cachedUser = getValue("user");
  document.getElementById("lang-switch").addEventListener("click", () => {
    setLanguage(language() === "sv" ? "en" : "sv");
    render();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-nav]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    const url = new URL(link.href);
    navigate(url.pathname + url.search); // /rounds?route=<id>, /walk?id=N keep their query
  });
  window.addEventListener("popstate", () => render());
  window.addEventListener("online", () => {
    updateNetState();
    checkSession();
  });
  window.addEventListener("offline", updateNetState);
  watchStatus(updateUnsent);
  sync.onDelivered(noteDelivered);
  // A screen that needs the newest sites document now (handover.js, at "Starta pass").
  window.addEventListener("sites-wanted", () => refreshSites());
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
    const onLogin = state.screen && state.screen.NAME === "login";
    if (sync.syncState.needsLogin && state.user && !onLogin) render();
  });

  // Offline first: the cached user opens the app at once; the server is asked afterwards.
  state.user = (await cachedUser) || null;
  if (!state.user) await checkSession();
  await render();
  // Then what the first screen does not show: the language kept for the server's pages (the
  // cookie), the clock's offsets kept for the next start's times (nights.js), the service
  // worker's registration, the storage persistence, sync and the session.
  setLanguage(language());
  keepOffsets();
  registerServiceWorker();
  if (state.user) askForPersistentStorage();
  sync.startSyncTriggers();
  if (state.user) checkSession();
}

start();
