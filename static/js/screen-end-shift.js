// End shift: allowed with unsent entries (they stay queued and are sent later), but the
// guard is told how many are still on the phone.
//
// The note is the hand-over ("Överlämning", issue 23 point 7): what the next shift in the same
// area must know, with up to 6 photos, all optional. It travels with the shift's end; the next
// guard's phone gets it with the sites document and shows it before the first round.

import { addStrings, photosSuffix, t } from "./i18n.js";
import { unsentSummary } from "./outbox.js";
import { preparePhoto } from "./photos.js";
import { currentShift, endShift, isOpen } from "./records.js";
import { field, h, notice } from "./ui.js";

export const NAME = "end-shift";

const MAX_PHOTOS = 6;

addStrings({
  sv: {
    end_handover: "Överlämning till nästa pass (valfri)",
    end_handover_hint: "Det nästa väktare i området måste veta: trasiga dörrar, larm, nycklar, något att hålla koll på. Visas på nästa pass innan första rundan.",
    end_handover_photos: "Foton till överlämningen",
    end_handover_photo: "Överlämning",
    end_too_many_photos: "Högst 6 foton i överlämningen.",
  },
  en: {
    end_handover: "Hand-over to the next shift (optional)",
    end_handover_hint: "What the next guard in the area must know: broken doors, alarms, keys, something to keep an eye on. Shown on the next shift before the first round.",
    end_handover_photos: "Hand-over photos",
    end_handover_photo: "Hand-over",
    end_too_many_photos: "At most 6 photos in the hand-over.",
  },
});

export async function render(container, ctx) {
  const shift = await currentShift();
  const heading = h("h1", {}, t("end_title"));
  const back = h("a", { href: "/", class: "button back", "data-nav": true }, t("back"));
  if (!isOpen(shift)) {
    container.append(h("section", { class: "card" }, heading, h("p", {}, t("no_shift"))), back);
    return;
  }
  const { records, photos: unsentPhotos, attention } = await unsentSummary();
  const note = h("textarea", { name: "note", rows: 4, maxlength: 4000 });
  const button = h("button", { type: "submit", class: "primary big danger-outline" }, t("end_shift"));

  // --- the hand-over's photos (kept in memory until the shift is ended) ------------------
  const photos = [];
  const objectUrls = [];
  let pending = 0;
  const thumbs = h("ul", { class: "thumbs", "aria-live": "polite" });
  const photoStatus = h("p", { class: "muted", role: "status" });
  const photoProblem = h("p", { class: "alert warning", role: "alert", id: "handover-photo-problem", hidden: true });
  const fileInput = h("input", {
    type: "file",
    accept: "image/*",
    capture: "environment",
    multiple: true,
    id: "handover-photo-input",
    class: "visually-hidden",
  });
  const addLabel = h("label", { for: "handover-photo-input", class: "button big add-photo" }, t("add_photo"));
  const drawThumbs = () => {
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
    thumbs.replaceChildren(
      ...photos.map((photo, index) => {
        const url = URL.createObjectURL(photo.blob);
        objectUrls.push(url);
        const remove = h("button", { type: "button", class: "remove-photo", "aria-label": `${t("remove_photo")} ${t("photo_n", { n: index + 1 })}` }, t("remove_photo"));
        remove.addEventListener("click", () => {
          photos.splice(photos.indexOf(photo), 1);
          drawThumbs();
        });
        return h("li", { class: "thumb" }, h("img", { src: url, alt: t("photo_n", { n: index + 1 }) }), remove);
      })
    );
    addLabel.classList.toggle("disabled", photos.length + pending >= MAX_PHOTOS);
    photoStatus.textContent = pending ? t("photo_processing") : `${photos.length}/${MAX_PHOTOS}`;
    button.disabled = pending > 0;
  };
  fileInput.addEventListener("change", async () => {
    const files = Array.from(fileInput.files || []);
    fileInput.value = "";
    const room = MAX_PHOTOS - photos.length - pending;
    photoProblem.textContent = files.length > room ? t("end_too_many_photos") : "";
    photoProblem.hidden = !photoProblem.textContent;
    const accepted = files.slice(0, Math.max(0, room));
    pending += accepted.length;
    drawThumbs();
    for (const file of accepted) {
      try {
        photos.push({ id: crypto.randomUUID(), ...(await preparePhoto(file)) });
      } catch (error) {
        console.error(error);
        photoProblem.textContent = t("photo_failed_named", { name: file.name });
        photoProblem.hidden = false;
      } finally {
        pending -= 1;
        drawThumbs();
      }
    }
  });
  drawThumbs();

  const form = h(
    "form",
    { class: "stack", novalidate: true, id: "end-shift-form" },
    records || unsentPhotos
      ? h("p", { class: "alert warning", role: "alert", id: "unsent-warning" },
          (!records ? t("end_warning_photos") : records === 1 ? t("end_warning_one") : t("end_warning", { n: records })) + photosSuffix(records ? unsentPhotos : 0))
      : attention ? null : h("p", { class: "notice" }, t("end_all_sent")),
    // What the server refused is named apart: it stays until the guard chooses (issue 20).
    attention
      ? h("p", { class: "alert", role: "alert", id: "attention-warning" }, attention === 1 ? t("attention_kept_one") : t("attention_kept", { n: attention }))
      : null,
    field("end-note", t("end_handover"), note, t("end_handover_hint")),
    h("div", { class: "field photos" }, h("span", { class: "label-text" }, t("end_handover_photos")), thumbs, photoStatus, photoProblem, addLabel, fileInput),
    button
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (pending) return;
    button.disabled = true;
    await endShift(shift, note.value.trim(), photos, t("end_handover_photo"));
    notice(t("shift_ended_notice"));
    ctx.navigate("/");
  });
  container.append(h("section", { class: "card" }, heading, form), back);
  return () => {
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  };
}
