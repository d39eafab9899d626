// A screen that needs a running shift (check-in, report) opened without one, e.g. a QR code
// scanned with the phone's camera before "Starta pass": offer to start the shift right here.
//
// The area of the shift (alone at night, point 0): a guard whose sites document holds several
// areas picks one before "Starta pass" (offline too: the list is the cached document); with
// one area the shift starts in it.

import { getValue } from "./db.js";
import { t } from "./i18n.js";
import { sites, startShift } from "./records.js";
import { h, notice } from "./ui.js";

/**
 * The area choice for "Starta pass": {element, value()}; element is null when there is nothing
 * to choose (one area or none), and value() is then that area's id (or null).
 */
export async function areaChoice() {
  const areas = ((await sites()).areas || []).filter((a) => a && a.id);
  if (areas.length <= 1) return { element: null, value: () => (areas[0] ? areas[0].id : null) };
  const last = await getValue("lastAreaId");
  const select = h(
    "select",
    { id: "shift-area", name: "area_id", required: true },
    h("option", { value: "" }, t("choose_area")),
    ...areas.map((a) => h("option", { value: String(a.id) }, a.name))
  );
  if (last && areas.some((a) => a.id === last)) select.value = String(last);
  const element = h("div", { class: "field" }, h("label", { for: "shift-area" }, t("shift_area")), select);
  return { element, value: () => (select.value ? Number(select.value) : undefined) };
}

/** A "Starta pass" button that starts the shift in the chosen area, then calls `done`. */
export function startButton(choice, done) {
  const start = h("button", { type: "button", class: "primary big", id: "start-shift" }, t("start_shift"));
  start.addEventListener("click", async () => {
    if (!choice.element && (await areaChoice()).element) {
      // The sites document came after the screen was drawn, with several areas: choose first.
      notice(t("choose_area_first"), "warn");
      done();
      return;
    }
    const areaId = choice.value();
    if (areaId === undefined) {
      notice(t("choose_area_first"), "warn");
      if (choice.element) choice.element.querySelector("select").focus();
      return;
    }
    start.disabled = true;
    await startShift(areaId);
    notice(t("shift_started"));
    done();
  });
  return start;
}

/** The card with the screen's heading, the explanation and "Starta pass". */
export function startShiftHere(heading, ctx) {
  const card = h("section", { class: "card" }, heading, h("p", { class: "alert" }, t("needs_shift")));
  areaChoice().then((choice) => {
    if (choice.element) card.append(choice.element);
    card.append(startButton(choice, () => ctx.rerender()));
  });
  return card;
}
