// Report: property (preset from the last check-in), checkpoint, category, level, description
// and 0-6 photos. Every change is saved as a draft in IndexedDB, photos included, so a form
// half filled survives a reload or a killed browser.

import { blobFrom, getValue, setValue, storableBlob } from "./db.js";
import { currentLocation } from "./geo.js";
import { CATEGORIES, LEVELS, t } from "./i18n.js";
import { INCIDENT_CATEGORY, incidentBody, incidentFieldset } from "./incident-form.js";
import { instructionsBox, showInstructions } from "./instructions.js";
import { preparePhoto } from "./photos.js";
import { allProperties, currentShift, isOpen, saveReport, sites } from "./records.js";
import { startShiftHere } from "./needs-shift.js";
import { field, h, notice, select } from "./ui.js";

export const NAME = "report";
export const MAX_PHOTOS = 6;
const DESCRIPTION_MAX = 4000;
const COUNTER_FROM_LAST = 500;
const DRAFT_KEY = "draft:report";

export async function render(container, ctx) {
  const shift = await currentShift();
  const heading = h("h1", {}, t("report_title"));
  const back = h("a", { href: "/", class: "button back", "data-nav": true }, t("back"));
  if (!isOpen(shift)) {
    container.append(startShiftHere(heading, ctx), back);
    return;
  }

  const properties = allProperties(await sites());
  const lastCheckin = await getValue("lastCheckin");
  const saved = await getValue(DRAFT_KEY);
  if (saved) saved.photos = (saved.photos || []).map((photo) => ({ ...photo, blob: blobFrom(photo.blob) }));
  const draft = saved || {
    propertyId: lastCheckin ? String(lastCheckin.propertyId) : "",
    checkpointId: lastCheckin ? String(lastCheckin.checkpointId) : "",
    category: "",
    level: "",
    description: "",
    photos: [],
  };
  const restored = Boolean(saved && (saved.description || saved.category || saved.photos.length));
  let pendingPhotos = 0;
  let closed = false;
  const objectUrls = [];

  // Where IndexedDB refuses Blobs (db.js storableBlob) the draft keeps its photos' bytes: read
  // before the save, so the saves go one after another, each with the draft as it was asked.
  let saving = Promise.resolve();
  const persist = () => {
    const snapshot = { ...draft, photos: [...draft.photos] };
    saving = saving
      .catch(() => {})
      .then(async () => {
        const photos = await Promise.all(snapshot.photos.map(async (p) => ({ ...p, blob: await storableBlob(p.blob) })));
        await setValue(DRAFT_KEY, { ...snapshot, photos });
      });
    return saving;
  };

  // --- fields ----------------------------------------------------------------------------
  const propertySelect = select("property", properties.map((p) => [p.id, p.name]), draft.propertyId, t("choose"));
  const checkpointSelect = select("checkpoint", [], "", t("none"));
  const fillCheckpoints = () => {
    const property = properties.find((p) => String(p.id) === propertySelect.value);
    checkpointSelect.replaceChildren(h("option", { value: "" }, t("none")));
    for (const checkpoint of property ? property.checkpoints : []) {
      const option = h("option", { value: String(checkpoint.id) }, checkpoint.label);
      if (String(checkpoint.id) === draft.checkpointId) option.selected = true;
      checkpointSelect.append(option);
    }
  };
  fillCheckpoints();
  const postOrders = instructionsBox(null, null);
  const showChosen = () => {
    const property = properties.find((p) => String(p.id) === propertySelect.value);
    const checkpoint = property?.checkpoints.find((c) => String(c.id) === checkpointSelect.value);
    showInstructions(postOrders, property, checkpoint);
  };
  showChosen();
  propertySelect.addEventListener("change", () => {
    draft.propertyId = propertySelect.value;
    draft.checkpointId = "";
    fillCheckpoints();
    showChosen();
    persist();
  });
  checkpointSelect.addEventListener("change", () => {
    draft.checkpointId = checkpointSelect.value;
    showChosen();
    persist();
  });

  const categorySelect = select("category", CATEGORIES.map((c) => [c, t(`cat_${c}`)]), draft.category, t("choose"));
  // "Hot eller våld": its own details, shown only for that kind (incident-form.js).
  const incidentBox = h("div", { class: "incident-box" });
  const descriptionLabel = h("span");
  const showIncident = () => {
    const isIncident = draft.category === INCIDENT_CATEGORY;
    incidentBox.replaceChildren(...(isIncident ? [incidentFieldset(draft, persist)] : []));
    descriptionLabel.textContent = isIncident ? t("incident_what") : t("description");
  };
  categorySelect.addEventListener("change", () => {
    draft.category = categorySelect.value;
    showIncident();
    persist();
  });

  const levelGroup = h("fieldset", { class: "levels" }, h("legend", {}, t("level")));
  for (const level of LEVELS) {
    const radio = h("input", { type: "radio", name: "level", value: level, id: `level-${level}` });
    radio.checked = draft.level === level;
    radio.addEventListener("change", () => {
      draft.level = level;
      persist();
    });
    levelGroup.append(h("label", { for: `level-${level}`, class: `level-option ${level}` }, radio, h("span", {}, t(`level_${level}`))));
  }

  const description = h("textarea", { name: "description", rows: 4, maxlength: DESCRIPTION_MAX, "aria-describedby": "description-counter" });
  description.value = draft.description;
  // A counter once the text nears the limit (the server takes 4,000 characters).
  const counter = h("p", { class: "muted small counter", id: "description-counter", "aria-live": "polite" });
  const count = () => {
    const length = description.value.length;
    counter.textContent = length >= DESCRIPTION_MAX - COUNTER_FROM_LAST ? t("characters_left", { n: DESCRIPTION_MAX - length, max: DESCRIPTION_MAX }) : "";
    counter.hidden = !counter.textContent;
  };
  count();
  description.addEventListener("input", () => {
    draft.description = description.value;
    count();
    persist();
  });

  // --- photos ----------------------------------------------------------------------------
  const thumbs = h("ul", { class: "thumbs", "aria-live": "polite" });
  const photoStatus = h("p", { class: "muted", role: "status" });
  // Problems with photos are said right by the photo button, where the guard is looking.
  const photoProblem = h("p", { class: "alert warning", role: "alert", id: "photo-problem", hidden: true });
  const sayPhotoProblem = (text) => {
    photoProblem.textContent = text;
    photoProblem.hidden = !text;
  };
  const fileInput = h("input", {
    type: "file",
    accept: "image/*",
    capture: "environment",
    multiple: true,
    id: "report-photo-input",
    class: "visually-hidden",
  });
  const addLabel = h("label", { for: "report-photo-input", class: "button big add-photo" }, t("add_photo"));
  // Full: the tap on "Lägg till foto" says why nothing opens.
  addLabel.addEventListener("click", (event) => {
    if (draft.photos.length + pendingPhotos < MAX_PHOTOS) return;
    event.preventDefault(); // no file chooser
    sayPhotoProblem(t("too_many_photos"));
  });

  const drawThumbs = () => {
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
    thumbs.replaceChildren();
    draft.photos.forEach((photo, index) => {
      const url = URL.createObjectURL(photo.blob);
      objectUrls.push(url);
      const remove = h("button", { type: "button", class: "remove-photo", "aria-label": `${t("remove_photo")} ${t("photo_n", { n: index + 1 })}` }, t("remove_photo"));
      remove.addEventListener("click", () => {
        draft.photos = draft.photos.filter((p) => p.id !== photo.id);
        persist();
        drawThumbs();
      });
      thumbs.append(h("li", { class: "thumb" }, h("img", { src: url, alt: t("photo_n", { n: index + 1 }) }), remove));
    });
    const full = draft.photos.length + pendingPhotos >= MAX_PHOTOS;
    addLabel.classList.toggle("disabled", full);
    photoStatus.textContent = pendingPhotos ? t("photo_processing") : `${draft.photos.length}/${MAX_PHOTOS} – ${t("photos_hint")}`;
    saveButton.disabled = pendingPhotos > 0;
  };

  fileInput.addEventListener("change", async () => {
    const files = Array.from(fileInput.files || []);
    fileInput.value = "";
    const room = MAX_PHOTOS - draft.photos.length - pendingPhotos;
    sayPhotoProblem(files.length > room ? t("too_many_photos") : "");
    const accepted = files.slice(0, Math.max(0, room));
    pendingPhotos += accepted.length;
    drawThumbs();
    for (const file of accepted) {
      try {
        const photo = await preparePhoto(file);
        draft.photos.push({ id: crypto.randomUUID(), ...photo });
        await persist();
      } catch (error) {
        console.error(error);
        sayPhotoProblem(t("photo_failed_named", { name: file.name }));
      } finally {
        pendingPhotos -= 1;
        if (!closed) drawThumbs();
      }
    }
  });

  // --- save ------------------------------------------------------------------------------
  const errors = h("p", { class: "alert", role: "alert", hidden: true });
  const saveButton = h("button", { type: "submit", class: "primary big" }, t("save"));
  const form = h(
    "form",
    { class: "stack", novalidate: true, id: "report-form" },
    field("report-property", t("property"), propertySelect),
    field("report-checkpoint", t("checkpoint"), checkpointSelect),
    postOrders,
    field("report-category", t("category"), categorySelect),
    incidentBox,
    levelGroup,
    field("report-description", descriptionLabel, description),
    counter,
    h("div", { class: "field photos" }, h("span", { class: "label-text", id: "photos-label" }, t("photos")), thumbs, photoStatus, photoProblem, addLabel, fileInput),
    errors,
    saveButton
  );
  drawThumbs();
  showIncident();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const missing = [];
    if (!draft.propertyId) missing.push(t("property_required"));
    if (!draft.category) missing.push(t("category_required"));
    if (!draft.level) missing.push(t("level_required"));
    const isIncident = draft.category === INCIDENT_CATEGORY;
    if (isIncident && !(draft.incident && draft.incident.exposed.length)) missing.push(t("incident_exposed_required"));
    errors.textContent = missing.join(" ");
    errors.hidden = missing.length === 0;
    if (missing.length || pendingPhotos) return;
    saveButton.disabled = true;
    try {
      const property = properties.find((p) => String(p.id) === draft.propertyId);
      const title = `${t(`cat_${draft.category}`)} – ${property ? property.name : ""}`;
      // Saved at once; the position follows when the phone finds one (records.js).
      const fields = isIncident ? { ...draft, incident: incidentBody(draft.incident) } : { ...draft, incident: null };
      // A draft save still under way goes first: the report's own write clears the draft.
      await saving.catch(() => {});
      await saveReport(shift, fields, draft.photos, currentLocation(), title);
      notice(t("report_saved"));
      ctx.navigate("/");
    } finally {
      saveButton.disabled = false;
    }
  });

  const sections = [h("section", { class: "card" }, heading)];
  if (!properties.length) sections[0].append(h("p", { class: "alert warning" }, t("sites_missing")));
  if (restored) sections[0].append(h("p", { class: "notice" }, t("draft_restored")));
  sections[0].append(form);
  container.append(...sections, back);
  return () => {
    closed = true;
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  };
}
