// End shift: allowed with unsent entries (they stay queued and are sent later), but the
// guard is told how many are still on the phone.

import { photosSuffix, t } from "./i18n.js";
import { unsentSummary } from "./outbox.js";
import { currentShift, endShift, isOpen } from "./records.js";
import { field, h, notice } from "./ui.js";

export const NAME = "end-shift";

export async function render(container, ctx) {
  const shift = await currentShift();
  const heading = h("h1", {}, t("end_title"));
  const back = h("a", { href: "/", class: "button back", "data-nav": true }, t("back"));
  if (!isOpen(shift)) {
    container.append(h("section", { class: "card" }, heading, h("p", {}, t("no_shift"))), back);
    return;
  }
  const { records, photos, attention } = await unsentSummary();
  const note = h("textarea", { name: "note", rows: 3, maxlength: 4000 });
  const button = h("button", { type: "submit", class: "primary big danger-outline" }, t("end_shift"));
  const form = h(
    "form",
    { class: "stack", novalidate: true, id: "end-shift-form" },
    records || photos
      ? h("p", { class: "alert warning", role: "alert", id: "unsent-warning" },
          (!records ? t("end_warning_photos") : records === 1 ? t("end_warning_one") : t("end_warning", { n: records })) + photosSuffix(records ? photos : 0))
      : attention ? null : h("p", { class: "notice" }, t("end_all_sent")),
    // What the server refused is named apart: it stays until the guard chooses (issue 20).
    attention
      ? h("p", { class: "alert", role: "alert", id: "attention-warning" }, attention === 1 ? t("attention_kept_one") : t("attention_kept", { n: attention }))
      : null,
    field("end-note", t("end_note"), note),
    button
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    await endShift(shift, note.value.trim());
    notice(t("shift_ended_notice"));
    ctx.navigate("/");
  });
  container.append(h("section", { class: "card" }, heading, form), back);
}
