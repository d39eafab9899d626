// Check-in: scan the QR code (BarcodeDetector where the browser has it, else the vendored
// jsQR), type the short code
// printed under it, or choose property and checkpoint from the list (method "manual").
// `/c/<token>` (the QR code scanned with the phone's own camera) opens this screen with the
// checkpoint already named; the token is recognised offline by its SHA-256.

import { currentLocation } from "./geo.js";
import { t } from "./i18n.js";
import { instructionsBox, showInstructions } from "./instructions.js";
import { allProperties, checkIn, currentShift, isOpen, sites } from "./records.js";
import { startShiftHere } from "./needs-shift.js";
import { cameraScanner, lookUp, nfcListener, recogniseToken } from "./scanner.js";
import { field, h, notice, select } from "./ui.js";

export const NAME = "checkin";

/**
 * "Skriv koden under QR-koden": a short code is checked online before saving ("Okänd kod" at
 * once) and offline saved as "kontrolleras vid synk"; a long QR token typed by hand is
 * recognised offline by its hash (an old sticker's is refused at once, like its scan).
 * `record(how, known, message)` saves the check-in.
 */
function typedCodeForm(siteData, record) {
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
  const refuse = (text) => {
    codeError.textContent = text;
    codeError.hidden = false;
    codeInput.focus();
  };
  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = codeInput.value.trim().toUpperCase();
    codeError.textContent = t("code_required");
    codeError.hidden = Boolean(code);
    if (!code) return;
    // A long QR token typed by hand is still recognised offline by its hash; a short code
    // is not (its hash could be brute-forced, so the phone never has it): checked at sync.
    if (code.length > 16) {
      const found = await recogniseToken(codeInput.value.trim(), siteData);
      if (found.retired) return refuse(t("qr_retired"));
      if (found.known) {
        await record({ token: codeInput.value.trim() }, found.known, t("checked_in", { label: found.known.checkpoint.label }));
        return;
      }
    }
    // Online: "Okänd kod" at once, or the place named before saving.
    codeSubmit.disabled = true;
    const found = await lookUp({ checkpoint_code: code }, siteData);
    codeSubmit.disabled = false;
    if (found && found.unknown) return refuse(found.unknown);
    if (found && found.outside) await record({ code }, null, t("code_outside_area"));
    else if (found) await record({ code }, found.known, t("checked_in", { label: found.known.checkpoint.label }));
    else await record({ code }, null, t("checked_in_code", { code }));
  });
  return codeForm;
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
    const recognised = await recogniseToken(token, siteData);
    if (recognised.retired) {
      // An old sticker ("Byt QR-kod"): said at once, offline too; nothing is saved.
      container.append(
        h("section", { class: "card qr-card" }, heading, h("p", { class: "alert", role: "alert", id: "qr-retired" }, t("qr_retired"))),
        back
      );
      return;
    }
    let known = recognised.known || null;
    // Not in the phone's list: online, the server says at once whether it knows the code.
    const found = known ? null : await lookUp({ checkpoint_token: token }, siteData);
    if (found && found.unknown) {
      // Unknown: the code printed under the QR code can be typed instead.
      container.append(
        h("section", { class: "card qr-card" }, heading, h("p", { class: "alert", role: "alert", id: "qr-unknown" }, t("code_unknown"))),
        h("section", { class: "card" }, typedCodeForm(siteData, record)),
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
      // Not known on the phone (offline): the printed code is an alternative.
      ...(known ? [] : [h("section", { class: "card" }, typedCodeForm(siteData, record))]),
      back
    );
    return;
  }

  const sections = [h("header", { class: "screen-title" }, heading)];

  /**
   * A scanned token (camera or NFC): known on the phone, named by the server, an old sticker
   * or "Okänd kod" at once (the code form below is the way on).
   */
  const scanError = h("p", { class: "alert", role: "alert", hidden: true, id: "scan-error" });
  const nfcError = h("p", { class: "alert", role: "alert", hidden: true, id: "nfc-error" });
  async function recordScanned(token, nfc, error) {
    const recognised = await recogniseToken(token, siteData);
    if (recognised.retired) {
      error.textContent = t("qr_retired");
      error.hidden = false;
      return;
    }
    const known = recognised.known || null;
    const found = known || nfc ? null : await lookUp({ checkpoint_token: token }, siteData);
    if (found && found.unknown) {
      error.textContent = `${t("code_unknown")} ${t("unknown_type_code")}`;
      error.hidden = false;
      return;
    }
    const place = known || (found && found.known);
    const how = nfc ? { token, nfc: true } : { token };
    const fallback = found && found.outside ? t("code_outside_area") : t("qr_unknown");
    await record(how, place, place ? t("checked_in", { label: place.checkpoint.label }) : fallback);
  }

  // --- scan ------------------------------------------------------------------------------
  const scanner = cameraScanner((token) => recordScanned(token, false, scanError));
  if (scanner) {
    sections.push(h("section", { class: "card" }, h("p", { class: "muted" }, t("scan_hint")), scanner.button, scanError, scanner.video));
  }

  // --- NFC tags (Web NFC: Android Chrome; already allowed: listens at once) ----------------
  const nfc = nfcListener((token) => recordScanned(token, true, nfcError), { autostart: true });
  if (nfc) {
    nfc.status.id = "nfc-status";
    sections.push(h("section", { class: "card" }, nfc.status, nfcError, nfc.button));
  }

  // --- typed code ------------------------------------------------------------------------
  sections.push(h("section", { class: "card" }, typedCodeForm(siteData, record)));

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
    scanner?.stop();
    nfc?.stop();
  };
}
