// Reading a checkpoint's sticker, for every screen that checks in (the check-in screen and the
// round screen): the camera's QR reader, Web NFC, what a token names on this phone (offline:
// a checkpoint's current token, an old one replaced by "Byt QR-kod", or nothing known), and
// the online lookup that names a typed code or an unknown token before anything is saved.
// Saving stays with records.js (checkIn); nothing here writes the outbox.

import { NetworkError, sendJson } from "./api.js";
import { t } from "./i18n.js";
import { findCheckpoint, sha256Hex } from "./records.js";
import { h } from "./ui.js";

/** The token in a scanned QR code: the URL /c/<token>, or a bare token. */
export function tokenFromScan(text) {
  try {
    const url = new URL(text, location.origin);
    const match = url.pathname.match(/^\/c\/([^/]+)$/);
    if (match) return decodeURIComponent(match[1]);
  } catch (_) {
    // not a URL
  }
  return text.trim();
}

/** The token of a checkpoint's /c/<token> URL in an NFC tag's NDEF message, or null. */
export function tokenFromNfc(message) {
  for (const record of message.records || []) {
    if (record.recordType !== "url" && record.recordType !== "absolute-url") continue;
    const text = new TextDecoder().decode(record.data);
    try {
      const match = new URL(text, location.origin).pathname.match(/^\/c\/([^/]+)$/);
      if (match) return decodeURIComponent(match[1]);
    } catch (_) {
      // not a URL
    }
  }
  return null;
}

/**
 * What a token names in the sites cache, offline: {known: {property, checkpoint}} for a
 * checkpoint's current token, {retired: {property, checkpoint}} for a sticker whose code was
 * replaced ("Byt QR-kod": it never counts for a round, so nothing is saved), {} otherwise.
 */
export async function recogniseToken(token, siteData) {
  const hash = await sha256Hex(token);
  const known = findCheckpoint(siteData, (c) => c.token_sha256 === hash);
  if (known) return { known };
  const retired = findCheckpoint(siteData, (c) => (c.retired_token_sha256 || []).includes(hash));
  return retired ? { retired } : {};
}

/**
 * A QR reader for video frames: the browser's own BarcodeDetector where it reads QR codes
 * (Android Chrome), else the vendored pure-JS jsQR (iPhone Safari, Firefox, desktop Chromium),
 * precached but loaded only now, when the scanner opens. Resolves to read(video) -> text|null.
 */
async function qrReader() {
  if ("BarcodeDetector" in window) {
    try {
      if ((await BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => {
          const codes = await detector.detect(video);
          return codes.length ? codes[0].rawValue : null;
        };
      }
    } catch (_) {
      // fall back to jsQR
    }
  }
  await import("/static/vendor/jsqr/jsQR.min.js"); // a UMD bundle: it sets self.jsQR
  const decode = self.jsQR;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    if (!video.videoWidth) return null;
    // At most 640 px on the long side: plenty for a sticker held up to the phone.
    const scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = decode(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return code ? code.data : null;
  };
}

// The camera is one: a scanner that opens closes any other that is open.
const openScanners = new Set();

/**
 * The in-app QR scanner: {button, video, stop}, or null without a camera API. The button opens
 * the camera (and closes it again); the first QR code read closes it and goes to onToken(token).
 */
export function cameraScanner(onToken, { label = t("scan"), buttonClass = "primary big" } = {}) {
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) return null;
  const video = h("video", { class: "scanner", playsinline: true, muted: true, hidden: true });
  const button = h("button", { type: "button", class: buttonClass }, label);
  let stream = null;
  let active = false;
  const stop = () => {
    active = false;
    openScanners.delete(stop);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.hidden = true;
    button.textContent = label;
  };
  button.addEventListener("click", async () => {
    if (active) return stop();
    for (const other of [...openScanners]) other();
    try {
      const read = await qrReader();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      active = true;
      openScanners.add(stop);
      button.textContent = t("scan_stop");
      while (active) {
        const text = await read(video).catch(() => null);
        if (text) {
          stop();
          await onToken(tokenFromScan(text));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } catch (error) {
      console.error(error);
      stop();
    }
  });
  return { button, video, stop };
}

/**
 * Web NFC (Android Chrome): {button, status, stop}, or null where the phone has none. The
 * button starts listening (at once when already allowed, with `autostart`); a tag carrying a
 * checkpoint's /c/<token> URL goes to onToken(token), any other tag is said so.
 */
export function nfcListener(onToken, { autostart = false, buttonClass = "big" } = {}) {
  if (!("NDEFReader" in window)) return null;
  const status = h("p", { class: "muted", role: "status" });
  const button = h("button", { type: "button", class: buttonClass }, t("nfc_start"));
  let stop = () => {};
  const listen = async () => {
    if (button.hidden) return;
    const control = new AbortController();
    stop = () => control.abort();
    try {
      const reader = new NDEFReader();
      reader.addEventListener("reading", async (event) => {
        const token = tokenFromNfc(event.message);
        if (!token) {
          status.textContent = t("nfc_not_ours");
          return;
        }
        control.abort();
        await onToken(token);
      });
      await reader.scan({ signal: control.signal });
      button.hidden = true;
      status.textContent = t("nfc_listening");
    } catch (error) {
      status.textContent = t("nfc_failed");
      console.error(error);
    }
  };
  button.addEventListener("click", listen);
  if (autostart) {
    navigator.permissions
      ?.query({ name: "nfc" })
      .then((permission) => permission.state === "granted" && listen())
      .catch(() => {});
  }
  return { button, status, stop: () => stop() };
}

// How long an online lookup may take before the check-in is saved as "kontrolleras vid synk".
const LOOKUP_LIMIT_MS = 4000;

/**
 * Online, ask the server which checkpoint a typed code or token names (it stores nothing):
 * {known: {property, checkpoint}}, {unknown: message}, {outside: true} (a real code of an area
 * the guard is not assigned to: the server names no place there), or null when it could not be
 * asked in time (offline, slow): then the check-in is saved and checked at sync as before.
 */
export async function lookUp(reference, siteData) {
  if (!navigator.onLine) return null;
  let timer;
  const limit = new Promise((resolve) => (timer = setTimeout(() => resolve(null), LOOKUP_LIMIT_MS)));
  try {
    const answer = await Promise.race([sendJson("POST", "/api/v1/checkpoint-lookups", reference), limit]);
    if (!answer) return null;
    if (answer.status === 422) return { unknown: answer.message || t("code_unknown") };
    if (!answer.ok) return null;
    const place = answer.body;
    if (place.valid && place.checkpoint_id == null) return { outside: true };
    const cached = findCheckpoint(siteData, (c) => c.id === place.checkpoint_id);
    return {
      known: cached || {
        property: { id: place.property_id, name: place.property_name },
        checkpoint: { id: place.checkpoint_id, label: place.checkpoint_label },
      },
    };
  } catch (error) {
    if (!(error instanceof NetworkError)) console.error(error);
    return null;
  } finally {
    clearTimeout(timer);
  }
}
