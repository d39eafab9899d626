// The shift's hand-over ("Överlämning", issue 23 point 7), on the next guard's phone.
//
// The sites document brings the hand-overs not yet read in the guard's areas (`handovers`:
// text, who wrote it, when, photos). This module keeps their photos in IndexedDB as soon as the
// document arrives, so they show offline; while a shift is open, the hand-overs of its area
// that this phone has not marked read are shown at the top of the home screen, above the
// night's rounds, until the guard taps "Läst". "Läst" is a record like any other: an entry
// PUT to /api/v1/handover-reads/<uuid>, written by records.record() together with the phone's
// own mark (kv "handoversRead"), in one transaction. home-cards.js loads this module.

import { blobFrom, deleteValue, getValue, setValue, storableBlob } from "./db.js";
import { addStrings, formatTime, t } from "./i18n.js";
import { currentShift, isOpen, record, shiftDependency, sites } from "./records.js";
import { addHomeExtension } from "./screen-home.js";
import { h, notice } from "./ui.js";

const PHOTO_PREFIX = "handoverPhoto:";
const PHOTO_IDS = "handoverPhotoIds";
const READ = "handoversRead";

addStrings({
  sv: {
    handover_title: "Överlämning från förra passet",
    handover_from: "{area} · {name}, avslutat {time}",
    handover_read: "Läst",
    handover_read_label: "Läst: överlämning från {name}",
    handover_read_done: "Markerad som läst.",
    handover_photo: "Foto {n} i överlämningen",
    handover_photo_missing: "Fotot har inte hämtats till telefonen.",
    handover_entry: "Överlämning läst",
  },
  en: {
    handover_title: "Hand-over from the last shift",
    handover_from: "{area} · {name}, ended {time}",
    handover_read: "Read",
    handover_read_label: "Read: hand-over from {name}",
    handover_read_done: "Marked as read.",
    handover_photo: "Hand-over photo {n}",
    handover_photo_missing: "The photo has not been fetched to the phone.",
    handover_entry: "Hand-over read",
  },
});

/** The hand-overs of the cached sites document for this shift's area, not yet marked read. */
export async function waitingHandovers(shift) {
  const read = new Set((await getValue(READ)) || []);
  const all = (await sites()).handovers || [];
  return all.filter(
    (item) => !read.has(item.shift_id) && (!shift || !shift.areaId || item.area_id === shift.areaId)
  );
}

/** Keep the photos of the document's hand-overs on the phone (and forget the old ones). */
async function cachePhotos() {
  const wanted = ((await sites()).handovers || []).flatMap((item) => item.photos || []);
  const had = new Set((await getValue(PHOTO_IDS)) || []);
  const kept = [];
  for (const photo of wanted) {
    if (had.has(photo.id) && (await getValue(PHOTO_PREFIX + photo.id))) {
      kept.push(photo.id);
      continue;
    }
    if (!navigator.onLine) continue;
    try {
      const response = await fetch(photo.url, { credentials: "same-origin" });
      if (!response.ok) continue;
      await setValue(PHOTO_PREFIX + photo.id, await storableBlob(await response.blob()));
      kept.push(photo.id);
    } catch (_) {
      // Offline after all: fetched with the next document.
    }
  }
  const gone = [...had].filter((id) => !kept.includes(id));
  for (const id of gone) await deleteValue(PHOTO_PREFIX + id);
  await setValue(PHOTO_IDS, kept);
  redraw();
}

/** "Läst": the record for the server and this phone's mark, in one transaction. */
export async function markHandoverRead(item, shift) {
  const id = crypto.randomUUID();
  await record(async ({ kv }, present, at) => {
    const read = (await kv.get(READ)) || [];
    return {
      entries: [
        {
          method: "PUT",
          url: `/api/v1/handover-reads/${id}`,
          body: { handover_shift_id: item.shift_id, shift_id: shift ? shift.id : null, read_at: at },
          kind: "handover_read",
          label: t("handover_entry"),
          dependsOn: shift ? shiftDependency(shift, present) : null,
        },
      ],
      kv: { [READ]: [...read.filter((s) => s !== item.shift_id), item.shift_id].slice(-50) },
    };
  });
}

async function photoElement(photo, index) {
  const blob = blobFrom(await getValue(PHOTO_PREFIX + photo.id));
  const label = t("handover_photo", { n: index + 1 });
  if (!blob) return h("li", { class: "muted small" }, `${label}: ${t("handover_photo_missing")}`);
  const url = URL.createObjectURL(blob);
  return h("li", { class: "thumb" }, h("a", { href: url, target: "_blank", rel: "noopener" }, h("img", { src: url, alt: label })));
}

async function handoverBox(item, shift, card) {
  const photos = await Promise.all((item.photos || []).map(photoElement));
  const read = h(
    "button",
    { type: "button", class: "primary big handover-read", "aria-label": t("handover_read_label", { name: item.guard_name }) },
    t("handover_read")
  );
  read.addEventListener("click", async () => {
    read.disabled = true;
    await markHandoverRead(item, shift);
    notice(t("handover_read_done"));
    drawCard(card);
  });
  return h(
    "article",
    { class: "handover", "data-shift": item.shift_id },
    h("p", { class: "muted handover-from" }, t("handover_from", { area: item.area_name, name: item.guard_name, time: formatTime(item.ended_at) })),
    item.text ? h("p", { class: "handover-text" }, item.text) : null,
    photos.length ? h("ul", { class: "thumbs handover-photos" }, photos) : null,
    read
  );
}

const cards = new Set();

// Shifts for which the newest document was asked for (once each, when the shift is seen open).
const asked = new Set();

async function drawCard(card) {
  const shift = await currentShift();
  if (isOpen(shift) && !asked.has(shift.id) && navigator.onLine) {
    // "Starta pass" online: the hand-over written since the last refresh comes now.
    asked.add(shift.id);
    window.dispatchEvent(new Event("sites-wanted"));
  }
  const waiting = isOpen(shift) ? await waitingHandovers(shift) : [];
  card.hidden = !waiting.length;
  if (!waiting.length) {
    card.replaceChildren();
    return;
  }
  const boxes = await Promise.all(waiting.map((item) => handoverBox(item, shift, card)));
  card.replaceChildren(h("h2", { id: "handover-title" }, t("handover_title")), ...boxes);
}

function redraw() {
  for (const card of [...cards]) {
    if (card.isConnected) drawCard(card);
    else cards.delete(card);
  }
}

window.addEventListener("sites-updated", () => cachePhotos().catch(console.error)); // redraws too
cachePhotos().catch(console.error);

// At the top of the home screen while a shift is open: read before the first round.
addHomeExtension((_container, ctx) => {
  if (!ctx.user) return;
  const card = h("section", { class: "card handover-card", id: "handover-card", "aria-labelledby": "handover-title", hidden: true });
  ctx.top.append(card);
  cards.add(card);
  drawCard(card);
});
