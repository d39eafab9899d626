// Check-in: scan the QR code (BarcodeDetector where the browser has it), type the short code
// printed under it, or choose property and checkpoint from the list (method "manual").
// `/c/<token>` (the QR code scanned with the phone's own camera) opens this screen with the
// checkpoint already named; the token is recognised offline by its SHA-256.

import { currentLocation } from "./geo.js";
import { t } from "./i18n.js";
import { instructionsBox, showInstructions } from "./instructions.js";
import { allProperties, checkIn, checkpointForToken, currentShift, isOpen, sites } from "./records.js";
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
      const location = await currentLocation();
      await checkIn(shift, how, known, location);
      notice(message);
      ctx.navigate("/", { replace: Boolean(ctx.params.token) });
    } finally {
      busy = false;
    }
  }

  // --- a token from /c/<token> -----------------------------------------------------------
  if (ctx.params.token) {
    const token = ctx.params.token;
    const known = await checkpointForToken(token);
    const confirm = h("button", { type: "button", class: "primary big" }, t("check_in"));
    confirm.addEventListener("click", () =>
      record({ token }, known, known ? t("checked_in", { label: known.checkpoint.label }) : t("qr_unknown"))
    );
    container.append(
      h(
        "section",
        { class: "card qr-card" },
        heading,
        h("p", { class: "muted" }, t("qr_checkpoint")),
        known
          ? h("p", { class: "checkpoint-name" }, h("strong", {}, known.checkpoint.label), h("br"), known.property.name)
          : h("p", { class: "state checked_at_sync" }, t("state_checked_at_sync")),
        instructionsBox(known?.property, known?.checkpoint),
        confirm
      ),
      back
    );
    return;
  }

  const sections = [h("header", { class: "screen-title" }, heading)];

  // --- scan ------------------------------------------------------------------------------
  let stopScan = () => {};
  if ("BarcodeDetector" in window && navigator.mediaDevices) {
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
        const detector = new BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        active = true;
        scanButton.textContent = t("scan_stop");
        while (active) {
          const codes = await detector.detect(video).catch(() => []);
          if (codes.length) {
            const token = tokenFromScan(codes[0].rawValue);
            stopScan();
            const known = await checkpointForToken(token);
            await record({ token }, known, known ? t("checked_in", { label: known.checkpoint.label }) : t("qr_unknown"));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } catch (error) {
        console.error(error);
        stopScan();
      }
    });
    sections.push(h("section", { class: "card" }, h("p", { class: "muted" }, t("scan_hint")), scanButton, video));
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
  const codeForm = h(
    "form",
    { class: "stack", novalidate: true, id: "code-form" },
    h("h2", {}, t("type_code")),
    field("checkin-code", t("code"), codeInput),
    codeError,
    h("button", { type: "submit", class: "primary big" }, t("check_in"))
  );
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = codeInput.value.trim().toUpperCase();
    codeError.hidden = Boolean(code);
    if (!code) return;
    // A long QR token typed by hand is still recognised offline by its hash; a short code
    // is not (its hash could be brute-forced, so the phone never has it): checked at sync.
    const known = code.length > 16 ? await checkpointForToken(codeInput.value.trim()) : null;
    if (known) {
      await record({ token: codeInput.value.trim() }, known, t("checked_in", { label: known.checkpoint.label }));
    } else {
      await record({ code }, null, t("checked_in_code", { code }));
    }
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
  return () => stopScan();
}
