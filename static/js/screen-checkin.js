// Check-in: scan the QR code (BarcodeDetector where the browser has it, else the vendored
// jsQR), type the short code
// printed under it, or choose property and checkpoint from the list (method "manual").
// `/c/<token>` (the QR code scanned with the phone's own camera) opens this screen with the
// checkpoint already named; the token is recognised offline by its SHA-256.

import { NetworkError, sendJson } from "./api.js";
import { currentLocation } from "./geo.js";
import { t } from "./i18n.js";
import { instructionsBox, showInstructions } from "./instructions.js";
import { allProperties, checkIn, checkpointForToken, currentShift, findCheckpoint, isOpen, sites } from "./records.js";
import { startShiftHere } from "./needs-shift.js";
import { field, h, notice, select } from "./ui.js";

export const NAME = "checkin";

function tokenFromScan(text) {
  // The QR code holds the URL /c/<token>; accept a bare token as well.
  try {
    const url = new URL(text, location.origin);
    const match = url.pathname.match(/^\/c\/([^/]+)$/);
    if (match) return decodeURIComponent(match[1]);
  } catch (_) {
    // not a URL
  }
  return text.trim();
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

// How long an online lookup may take before the check-in is saved as "kontrolleras vid synk".
const LOOKUP_LIMIT_MS = 4000;

/**
 * Online, ask the server which checkpoint a typed code or token names (it stores nothing):
 * {known: {property, checkpoint}}, {unknown: message}, {outside: true} (a real code of an area
 * the guard is not assigned to: the server names no place there), or null when it could not be
 * asked in time (offline, slow): then the check-in is saved and checked at sync as before.
 */
async function lookUp(reference, siteData) {
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

export async function render(container, ctx) {
  const shift = await currentShift();
  const siteData = await sites();
  const heading = h("h1", {}, t("checkin_title"));
  const back = h("a", { href: "/", class: "button back", "data-nav": true }, t("back"));

  if (!isOpen(shift)) {
    container.append(startShiftHere(heading, ctx), back);
    return;
  }

  let busy = false;
  async function record(how, known, message) {
    if (busy) return;
    busy = true;
    for (const button of container.querySelectorAll("button")) button.disabled = true;
    try {
      // Saved at once; the position follows when the phone finds one (records.js).
      await checkIn(shift, how, known, currentLocation());
      notice(message);
      ctx.navigate("/", { replace: Boolean(ctx.params.token) });
    } finally {
      busy = false;
    }
  }

  // --- a token from /c/<token> -----------------------------------------------------------
  if (ctx.params.token) {
    const token = ctx.params.token;
    let known = await checkpointForToken(token);
    // Not in the phone's list: online, the server says at once whether it knows the code.
    const found = known ? null : await lookUp({ checkpoint_token: token }, siteData);
    if (found && found.unknown) {
      container.append(
        h("section", { class: "card qr-card" }, heading, h("p", { class: "alert", role: "alert", id: "qr-unknown" }, t("code_unknown"))),
        back
      );
      return;
    }
    if (found && found.known) known = found.known;
    const outside = Boolean(found && found.outside);
    const confirm = h("button", { type: "button", class: "primary big" }, t("check_in"));
    confirm.addEventListener("click", () =>
      record(
        { token },
        known,
        known ? t("checked_in", { label: known.checkpoint.label }) : outside ? t("code_outside_area") : t("qr_unknown")
      )
    );
    container.append(
      h(
        "section",
        { class: "card qr-card" },
        heading,
        h("p", { class: "muted" }, t("qr_checkpoint")),
        known
          ? h("p", { class: "checkpoint-name" }, h("strong", {}, known.checkpoint.label), h("br"), known.property.name)
          : outside
            ? h("p", { class: "state outside-area", id: "code-outside-area" }, t("code_outside_area"))
            : h("p", { class: "state checked_at_sync" }, t("state_checked_at_sync")),
        instructionsBox(known?.property, known?.checkpoint),
        confirm
      ),
      back
    );
    return;
  }

  const sections = [h("header", { class: "screen-title" }, heading)];

  /** A scanned token: known on the phone, named by the server, or "Okänd kod" at once. */
  const scanError = h("p", { class: "alert", role: "alert", hidden: true, id: "scan-error" });
  async function recordScanned(token) {
    const known = (await checkpointForToken(token)) || null;
    const found = known ? null : await lookUp({ checkpoint_token: token }, siteData);
    if (found && found.unknown) {
      scanError.textContent = t("code_unknown");
      scanError.hidden = false;
      return;
    }
    const place = known || (found && found.known);
    const fallback = found && found.outside ? t("code_outside_area") : t("qr_unknown");
    await record({ token }, place, place ? t("checked_in", { label: place.checkpoint.label }) : fallback);
  }

  // --- scan ------------------------------------------------------------------------------
  let stopScan = () => {};
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    const video = h("video", { class: "scanner", playsinline: true, muted: true, hidden: true });
    const scanButton = h("button", { type: "button", class: "primary big" }, t("scan"));
    let stream = null;
    let active = false;
    stopScan = () => {
      active = false;
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.hidden = true;
      scanButton.textContent = t("scan");
    };
    scanButton.addEventListener("click", async () => {
      if (active) return stopScan();
      try {
        const read = await qrReader();
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        active = true;
        scanButton.textContent = t("scan_stop");
        while (active) {
          const text = await read(video).catch(() => null);
          if (text) {
            const token = tokenFromScan(text);
            stopScan();
            await recordScanned(token);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } catch (error) {
        console.error(error);
        stopScan();
      }
    });
    sections.push(h("section", { class: "card" }, h("p", { class: "muted" }, t("scan_hint")), scanButton, scanError, video));
  }

  // --- NFC tags (Web NFC: Android Chrome) -------------------------------------------------
  let stopNfc = () => {};
  if ("NDEFReader" in window) {
    const nfcStatus = h("p", { class: "muted", role: "status", id: "nfc-status" });
    const nfcButton = h("button", { type: "button", class: "big" }, t("nfc_start"));
    const listen = async () => {
      if (nfcButton.hidden) return;
      const control = new AbortController();
      stopNfc = () => control.abort();
      try {
        const reader = new NDEFReader();
        reader.addEventListener("reading", async (event) => {
          const token = tokenFromNfc(event.message);
          if (!token) {
            nfcStatus.textContent = t("nfc_not_ours");
            return;
          }
          control.abort();
          const known = await checkpointForToken(token);
          await record({ token, nfc: true }, known, known ? t("checked_in", { label: known.checkpoint.label }) : t("qr_unknown"));
        });
        await reader.scan({ signal: control.signal });
        nfcButton.hidden = true;
        nfcStatus.textContent = t("nfc_listening");
      } catch (error) {
        nfcStatus.textContent = t("nfc_failed");
        console.error(error);
      }
    };
    nfcButton.addEventListener("click", listen);
    sections.push(h("section", { class: "card" }, nfcStatus, nfcButton));
    // Already allowed: listen at once, no tap needed.
    navigator.permissions
      ?.query({ name: "nfc" })
      .then((permission) => permission.state === "granted" && listen())
      .catch(() => {});
  }

  // --- typed code ------------------------------------------------------------------------
  const codeInput = h("input", {
    name: "code",
    autocomplete: "off",
    autocapitalize: "characters",
    inputmode: "text",
    enterkeyhint: "done",
    maxlength: 64,
  });
  const codeError = h("p", { class: "alert", role: "alert", hidden: true }, t("code_required"));
  const codeSubmit = h("button", { type: "submit", class: "primary big" }, t("check_in"));
  const codeForm = h(
    "form",
    { class: "stack", novalidate: true, id: "code-form" },
    h("h2", {}, t("type_code")),
    field("checkin-code", t("code"), codeInput),
    codeError,
    codeSubmit
  );
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = codeInput.value.trim().toUpperCase();
    codeError.textContent = t("code_required");
    codeError.hidden = Boolean(code);
    if (!code) return;
    // A long QR token typed by hand is still recognised offline by its hash; a short code
    // is not (its hash could be brute-forced, so the phone never has it): checked at sync.
    const known = code.length > 16 ? await checkpointForToken(codeInput.value.trim()) : null;
    if (known) {
      await record({ token: codeInput.value.trim() }, known, t("checked_in", { label: known.checkpoint.label }));
      return;
    }
    // Online: "Okänd kod" at once, or the place named before saving.
    codeSubmit.disabled = true;
    const found = await lookUp({ checkpoint_code: code }, siteData);
    codeSubmit.disabled = false;
    if (found && found.unknown) {
      codeError.textContent = found.unknown;
      codeError.hidden = false;
      codeInput.focus();
      return;
    }
    if (found && found.outside) await record({ code }, null, t("code_outside_area"));
    else if (found) await record({ code }, found.known, t("checked_in", { label: found.known.checkpoint.label }));
    else await record({ code }, null, t("checked_in_code", { code }));
  });
  sections.push(h("section", { class: "card" }, codeForm));

  // --- choose from the list (manual) -----------------------------------------------------
  const properties = allProperties(siteData);
  if (!properties.length) sections.push(h("p", { class: "alert warning" }, t("sites_missing")));
  const propertySelect = select("property", properties.map((p) => [p.id, p.name]), "", t("choose"));
  const checkpointSelect = select("checkpoint", [], "", t("choose"));
  const fillCheckpoints = () => {
    const property = properties.find((p) => String(p.id) === propertySelect.value);
    checkpointSelect.replaceChildren(h("option", { value: "" }, t("choose")));
    for (const checkpoint of property ? property.checkpoints : []) {
      checkpointSelect.append(h("option", { value: String(checkpoint.id) }, checkpoint.label));
    }
  };
  const listInstructions = instructionsBox(null, null);
  const showChosen = () => {
    const property = properties.find((p) => String(p.id) === propertySelect.value);
    const checkpoint = property?.checkpoints.find((c) => String(c.id) === checkpointSelect.value);
    showInstructions(listInstructions, property, checkpoint);
  };
  propertySelect.addEventListener("change", fillCheckpoints);
  propertySelect.addEventListener("change", showChosen);
  checkpointSelect.addEventListener("change", showChosen);
  const listError = h("p", { class: "alert", role: "alert", hidden: true }, t("choose_checkpoint"));
  const listForm = h(
    "form",
    { class: "stack", novalidate: true, id: "list-form" },
    h("h2", {}, t("choose_from_list")),
    field("checkin-property", t("property"), propertySelect),
    field("checkin-checkpoint", t("checkpoint"), checkpointSelect),
    listInstructions,
    listError,
    h("button", { type: "submit", class: "big" }, t("check_in"))
  );
  listForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const property = properties.find((p) => String(p.id) === propertySelect.value);
    const checkpoint = property && property.checkpoints.find((c) => String(c.id) === checkpointSelect.value);
    listError.hidden = Boolean(checkpoint);
    if (!checkpoint) return;
    await record({ checkpointId: checkpoint.id }, { property, checkpoint }, t("checked_in", { label: checkpoint.label }));
  });
  sections.push(h("section", { class: "card" }, listForm));

  container.append(...sections, back);
  return () => {
    stopScan();
    stopNfc();
  };
}
