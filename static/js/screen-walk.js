// Safety walk (trygghetsvandring, issue 14) on the phone, offline: the walk's checklist item
// by item (OK / Brist), each shortcoming with a note, photos and the position, plus free
// findings. "OK" is PUT /api/v1/walk-checks/<uuid>; a shortcoming is a report with the walk
// instead of a shift (PUT /api/v1/reports/<uuid>, then its photos), through the same outbox
// and photo pipeline as the night's reports. Each record and the walk's local state are
// written in ONE IndexedDB transaction by records.record(): saved at the tap, stamped with the
// guard, the position added when the phone finds one (never awaited before saving).
//
// Hooks: app.js routes /walk here (/walk?id=N for one walk). The cached walks, their refresh
// after each sync pass and the home card are in walks.js (loaded with the home screen's cards).

import { getValue } from "./db.js";
import { currentLocation } from "./geo.js";
import { CATEGORIES, addStrings, formatTime, t } from "./i18n.js";
import { PRIORITY, list as listOutbox, onOutboxChange } from "./outbox.js";
import { preparePhoto } from "./photos.js";
import { NO_POSITION, record, sites } from "./records.js";
import { coalesce, field, h, notice, select } from "./ui.js";
import { cachedWalks, refreshWalks, walkLink, walkListeners } from "./walks.js";

export const NAME = "walk";
const stateKey = (walkId) => `walk:${walkId}`;
const MAX_PHOTOS = 6;

addStrings({
  sv: {
    walk_choose: "Välj vandring",
    walk_none: "Inga trygghetsvandringar planerade.",
    walk_participants: "Deltagare",
    walk_checklist: "Checklista",
    walk_ok: "OK",
    walk_shortcoming: "Brist",
    walk_unchecked: "Inte kontrollerad",
    walk_n_findings: "{n} brister",
    walk_one_finding: "1 brist",
    walk_free: "Ny brist utanför listan",
    walk_free_title: "Övriga brister",
    walk_saved_ok: "OK sparat.",
    walk_saved_finding: "Bristen är sparad och blir en rapport.",
    walk_progress: "{done} av {total} punkter kontrollerade",
    walk_fetched: "Hämtad {time}",
  },
  en: {
    walk_choose: "Choose a walk",
    walk_none: "No safety walks planned.",
    walk_participants: "Participants",
    walk_checklist: "Checklist",
    walk_ok: "OK",
    walk_shortcoming: "Shortcoming",
    walk_unchecked: "Not checked",
    walk_n_findings: "{n} shortcomings",
    walk_one_finding: "1 shortcoming",
    walk_free: "New shortcoming not on the list",
    walk_free_title: "Other shortcomings",
    walk_saved_ok: "OK saved.",
    walk_saved_finding: "The shortcoming is saved and becomes a report.",
    walk_progress: "{done} of {total} items checked",
    walk_fetched: "Fetched {time}",
  },
});

// --- local state ----------------------------------------------------------------------------

async function walkState(walkId) {
  return (await getValue(stateKey(walkId))) || { ok: {}, findings: {}, free: [] };
}

/**
 * A record of the walk and the walk's local state, through the phone's one write path. Called
 * at the tap, before anything is awaited: `at` is the time of the tap.
 * `change(state, at)` returns the entries' fields and updates the state.
 */
function recordWalk(walkId, change) {
  return record(
    async ({ kv }, _present, at) => {
      const state = (await kv.get(stateKey(walkId))) || { ok: {}, findings: {}, free: [] };
      const entries = change(state, at);
      return { entries, kv: { [stateKey(walkId)]: state } };
    },
    { located: currentLocation() }
  );
}

function saveOk(walk, index) {
  const id = crypto.randomUUID();
  const entryId = crypto.randomUUID();
  return recordWalk(walk.id, (state, at) => {
    state.ok[index] = { id, entryId };
    return [
      {
        id: entryId,
        method: "PUT",
        url: `/api/v1/walk-checks/${id}`,
        body: { walk_id: walk.id, item: index, occurred_at: at, note: "", ...NO_POSITION },
        kind: "walk_check",
        label: `${t("walk_title")}: ${walk.items[index]} – ${t("walk_ok")}`,
        position: true,
      },
    ];
  });
}

function saveFinding(walk, index, form, photos) {
  const id = crypto.randomUUID();
  const title = `${t("walk_title")}: ${index === null ? t(`cat_${form.category}`) : walk.items[index]}`;
  const entryIds = [crypto.randomUUID(), ...photos.map(() => crypto.randomUUID())];
  return recordWalk(walk.id, (state, at) => {
    const item = { id, entryIds, category: form.category, description: form.description, photos: photos.length };
    if (index === null) state.free.push(item);
    else state.findings[index] = [...(state.findings[index] || []), item];
    return [
      {
        id: entryIds[0],
        method: "PUT",
        url: `/api/v1/reports/${id}`,
        body: {
          walk_id: walk.id,
          walk_item: index,
          property_id: Number(form.propertyId),
          checkpoint_id: form.checkpointId ? Number(form.checkpointId) : null,
          category: form.category,
          level: "preventive",
          description: form.description,
          occurred_at: at,
          ...NO_POSITION,
          photo_ids: photos.map((p) => p.id),
        },
        kind: "report",
        label: title,
        position: true,
      },
      ...photos.map((photo, n) => ({
        id: entryIds[n + 1],
        method: "PUT",
        url: `/api/v1/reports/${id}/photos/${photo.id}`,
        headers: { "Content-Type": "image/jpeg", "Content-Digest": photo.digestHeader },
        body: photo.blob,
        kind: "photo",
        label: `${title} – ${n + 1}`,
        dependsOn: "@0",
        priority: PRIORITY.photo,
        meta: { sha256: photo.sha256, width: photo.width, height: photo.height },
      })),
    ];
  });
}

// --- the finding form ------------------------------------------------------------------------

function findingForm(walk, index, siteData, onDone) {
  const key = `walk-${walk.id}-${index === null ? "free" : index}`;
  // The walk's area's properties (from the sites cache, so this works offline).
  const area = (siteData.areas || []).find((a) => a.id === walk.area_id);
  const inArea = [...((area && area.properties) || [])].sort((a, b) => a.name.localeCompare(b.name, "sv"));
  const draft = { propertyId: "", checkpointId: "", category: "", description: "", photos: [] };
  const propertySelect = select("property", inArea.map((p) => [p.id, p.name]), "", t("choose"));
  const checkpointSelect = select("checkpoint", [], "", t("none"));
  propertySelect.addEventListener("change", () => {
    draft.propertyId = propertySelect.value;
    const property = inArea.find((p) => String(p.id) === propertySelect.value);
    checkpointSelect.replaceChildren(h("option", { value: "" }, t("none")), ...(property ? property.checkpoints : []).map((c) => h("option", { value: String(c.id) }, c.label)));
  });
  checkpointSelect.addEventListener("change", () => (draft.checkpointId = checkpointSelect.value));
  const categorySelect = select("category", CATEGORIES.map((c) => [c, t(`cat_${c}`)]), draft.category, t("choose"));
  categorySelect.addEventListener("change", () => (draft.category = categorySelect.value));
  const description = h("textarea", { name: "description", rows: 3, maxlength: 4000 });
  const thumbs = h("ul", { class: "thumbs", "aria-live": "polite" });
  const fileInput = h("input", { type: "file", accept: "image/*", capture: "environment", multiple: true, id: `${key}-photo`, class: "visually-hidden" });
  const addLabel = h("label", { for: `${key}-photo`, class: "button big add-photo" }, t("add_photo"));
  const errors = h("p", { class: "alert", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "primary big" }, t("save"));
  const cancel = h("button", { type: "button", class: "big" }, t("cancel"));
  let pending = 0;
  const drawThumbs = () => {
    thumbs.replaceChildren(...draft.photos.map((p, n) => h("li", { class: "thumb" }, h("img", { src: URL.createObjectURL(p.blob), alt: t("photo_n", { n: n + 1 }) }))));
    save.disabled = pending > 0;
    fileInput.disabled = draft.photos.length + pending >= MAX_PHOTOS;
  };
  fileInput.addEventListener("change", async () => {
    const files = Array.from(fileInput.files || []).slice(0, MAX_PHOTOS - draft.photos.length - pending);
    fileInput.value = "";
    pending += files.length;
    drawThumbs();
    for (const file of files) {
      try {
        draft.photos.push({ id: crypto.randomUUID(), ...(await preparePhoto(file)) });
      } catch (error) {
        console.error(error);
        notice(t("photo_failed"), "error");
      } finally {
        pending -= 1;
        drawThumbs();
      }
    }
  });
  const form = h(
    "form",
    { class: "stack walk-finding-form", novalidate: true },
    field(`${key}-property`, t("property"), propertySelect),
    field(`${key}-checkpoint`, t("checkpoint"), checkpointSelect),
    field(`${key}-category`, t("category"), categorySelect),
    field(`${key}-description`, t("description"), description),
    h("div", { class: "field photos" }, h("span", { class: "label-text" }, t("photos")), thumbs, addLabel, fileInput),
    errors,
    save,
    cancel
  );
  cancel.addEventListener("click", () => onDone(false));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    draft.description = description.value.trim();
    const missing = [];
    if (!draft.propertyId) missing.push(t("property_required"));
    if (!draft.category) missing.push(t("category_required"));
    errors.textContent = missing.join(" ");
    errors.hidden = !missing.length;
    if (missing.length || pending) return;
    save.disabled = true;
    try {
      await saveFinding(walk, index, draft, draft.photos);
      notice(t("walk_saved_finding"));
      onDone(true);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// --- the screen ------------------------------------------------------------------------------

function entryState(ids, byId) {
  const pending = ids.map((id) => byId.get(id)).filter(Boolean);
  if (pending.some((e) => e.state === "needs_attention")) return "needs_attention";
  return pending.length ? "waiting" : "sent";
}

export async function render(container, ctx) {
  const walkId = Number(new URLSearchParams(location.search).get("id")) || null;
  const back = h("a", { href: "/", class: "button back", "data-nav": true }, t("back"));
  const body = h("div", { class: "walk-body" });
  let openForm = null; // item index, "free", or null
  const siteData = await sites();

  const drawList = async () => {
    const { walks, fetchedAt } = await cachedWalks();
    body.replaceChildren(
      h("section", { class: "card" }, h("h1", {}, t("walk_title")), walks.length ? h("p", { class: "muted" }, t("walk_choose")) : h("p", {}, t("walk_none"))),
      ...walks.map(walkLink),
      fetchedAt ? h("p", { class: "muted small" }, t("walk_fetched", { time: formatTime(fetchedAt) })) : null
    );
  };

  const drawWalk = async (walk) => {
    if (openForm !== null && body.querySelector("form")) return; // never under the guard's fingers
    const [state, entries] = await Promise.all([walkState(walk.id), listOutbox()]);
    const byId = new Map(entries.map((e) => [e.id, e]));
    const checked = walk.items.filter((_, i) => state.ok[i] || (state.findings[i] || []).length).length;
    const list = h("ol", { class: "walk-items" });
    walk.items.forEach((text, index) => {
      const findings = state.findings[index] || [];
      const ok = state.ok[index];
      const status = findings.length ? "shortcoming" : ok ? "ok" : "unchecked";
      const ids = [...(ok ? [ok.entryId] : []), ...findings.flatMap((f) => f.entryIds)];
      const label = status === "shortcoming" ? (findings.length === 1 ? t("walk_one_finding") : t("walk_n_findings", { n: findings.length })) : status === "ok" ? t("walk_ok") : t("walk_unchecked");
      const item = h(
        "li",
        { class: `walk-item ${status}`, dataset: { item: String(index) } },
        h("p", { class: "walk-item-text" }, h("strong", {}, text)),
        h("p", {}, h("span", { class: `state walk-status ${status}` }, label), ids.length ? " " : "", ids.length ? h("span", { class: `state ${entryState(ids, byId)}` }, t(`state_${entryState(ids, byId)}`)) : null)
      );
      for (const f of findings) item.append(h("p", { class: "muted" }, [t(`cat_${f.category}`), f.description].filter(Boolean).join(": ")));
      if (openForm === index) {
        item.append(findingForm(walk, index, siteData, () => { openForm = null; redraw(); }));
      } else {
        const okButton = h("button", { type: "button", class: "walk-ok", "aria-label": `${t("walk_ok")}: ${text}`, disabled: Boolean(ok) }, t("walk_ok"));
        okButton.addEventListener("click", async () => {
          okButton.disabled = true;
          await saveOk(walk, index);
          notice(t("walk_saved_ok"));
          redraw();
        });
        const shortButton = h("button", { type: "button", class: "primary walk-short", "aria-label": `${t("walk_shortcoming")}: ${text}` }, t("walk_shortcoming"));
        shortButton.addEventListener("click", () => { openForm = index; redraw(); });
        item.append(h("div", { class: "row" }, okButton, shortButton));
      }
      list.append(item);
    });
    const free = h("section", { class: "card walk-free" }, h("h2", {}, t("walk_free_title")));
    for (const f of state.free) {
      free.append(h("p", {}, `${t(`cat_${f.category}`)}${f.description ? `: ${f.description}` : ""} `, h("span", { class: `state ${entryState(f.entryIds, byId)}` }, t(`state_${entryState(f.entryIds, byId)}`))));
    }
    if (openForm === "free") {
      free.append(findingForm(walk, null, siteData, () => { openForm = null; redraw(); }));
    } else {
      const add = h("button", { type: "button", class: "big" }, t("walk_free"));
      add.addEventListener("click", () => { openForm = "free"; redraw(); });
      free.append(add);
    }
    body.replaceChildren(
      h(
        "section",
        { class: "card" },
        h("h1", {}, `${t("walk_title")}: ${walk.area_name}`),
        h("p", {}, walk.walk_date),
        walk.participants ? h("p", { class: "muted" }, `${t("walk_participants")}: ${walk.participants}`) : null,
        h("p", { class: "walk-progress" }, t("walk_progress", { done: checked, total: walk.items.length }))
      ),
      h("section", { class: "card" }, h("h2", {}, t("walk_checklist")), list),
      free
    );
  };

  const draw = async () => {
    if (!walkId) return drawList();
    const { walks } = await cachedWalks();
    const walk = walks.find((w) => w.id === walkId);
    if (!walk) return drawList();
    return drawWalk(walk);
  };
  const redraw = () => draw();
  const quiet = coalesce(() => {
    if (!body.querySelector("form")) draw();
  });
  const stopOutbox = onOutboxChange(quiet);
  walkListeners.add(quiet);
  await draw();
  refreshWalks();
  container.append(body, back);
  return () => {
    stopOutbox();
    walkListeners.delete(quiet);
  };
}
