// A screen that needs a running shift (check-in, report) opened without one, e.g. a QR code
// scanned with the phone's camera before "Starta pass": offer to start the shift right here.

import { t } from "./i18n.js";
import { startShift } from "./records.js";
import { h, notice } from "./ui.js";

/** The card with the screen's heading, the explanation and "Starta pass". */
export function startShiftHere(heading, ctx) {
  const start = h("button", { type: "button", class: "primary big" }, t("start_shift"));
  start.addEventListener("click", async () => {
    start.disabled = true;
    await startShift();
    notice(t("shift_started"));
    ctx.rerender();
  });
  return h("section", { class: "card" }, heading, h("p", { class: "alert" }, t("needs_shift")), start);
}
