// Post orders: the instructions of a property and of a checkpoint, from the cached sites
// document, shown offline at check-in and on the report form. A text changed since this phone
// last showed it is marked "Ny" once: the sites document's instructions_changed_at is compared
// with the change this phone has already shown (kept in localStorage, per property/checkpoint).

import { t } from "./i18n.js";
import { h } from "./ui.js";

const SEEN_PREFIX = "instructions-seen:";

function seenKey(kind, item) {
  return `${SEEN_PREFIX}${kind}:${item.id}`;
}

function entry(kind, item, title) {
  if (!item || !item.instructions) return null;
  const changed = item.instructions_changed_at || "";
  let fresh = false;
  try {
    fresh = Boolean(changed) && localStorage.getItem(seenKey(kind, item)) !== changed;
    if (fresh) localStorage.setItem(seenKey(kind, item), changed);
  } catch (_) {
    // Storage unavailable (private mode): show the text, without the "Ny" mark.
  }
  return h(
    "div",
    { class: "instruction" },
    h("p", { class: "instruction-title" }, title, fresh ? h("span", { class: "badge new-badge" }, t("new_badge")) : ""),
    h("p", { class: "instruction-text" }, item.instructions)
  );
}

/** Fill `box` with the instructions of this property and checkpoint (either may be null). */
export function showInstructions(box, property, checkpoint) {
  const parts = [
    entry("property", property, property ? property.name : ""),
    entry("checkpoint", checkpoint, checkpoint ? checkpoint.label : ""),
  ].filter(Boolean);
  box.replaceChildren(...(parts.length ? [h("h2", {}, t("instructions")), ...parts] : []));
  box.hidden = !parts.length;
}

/** A box for instructions, drawn now (and again with showInstructions when choices change). */
export function instructionsBox(property, checkpoint) {
  const box = h("section", { class: "instructions", "aria-live": "polite" });
  showInstructions(box, property, checkpoint);
  return box;
}
