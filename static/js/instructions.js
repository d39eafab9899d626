// Post orders: the instructions of a property and of a checkpoint, from the cached sites
// document, shown offline at check-in and on the report form. A text changed since the guard
// last confirmed it stays marked "Ny" until the guard taps "Läst" (drawing it is not reading
// it): the sites document's instructions_changed_at is compared with the change this phone's
// guard has confirmed (kept in localStorage, per property/checkpoint). The home screen says
// when one is new, with its text and "Läst" (home-cards.js loads this module).

import { addStrings, t } from "./i18n.js";
import { sites } from "./records.js";
import { addHomeExtension } from "./screen-home.js";
import { h } from "./ui.js";

const SEEN_PREFIX = "instructions-seen:";
const HOME_LIST_MAX = 5; // more than this (a new phone): the first ones and "n more"

addStrings({
  sv: {
    instr_read: "Läst",
    instr_read_label: "Läst: {title}",
    instr_new_title: "Nya instruktioner",
    instr_new_one: "1 instruktion är ny eller ändrad. Läs den och tryck Läst.",
    instr_new_many: "{n} instruktioner är nya eller ändrade. Läs dem och tryck Läst.",
    instr_more: "… och {n} till (visas vid incheckning)",
  },
  en: {
    instr_read: "Read",
    instr_read_label: "Read: {title}",
    instr_new_title: "New instructions",
    instr_new_one: "1 instruction is new or changed. Read it and tap Read.",
    instr_new_many: "{n} instructions are new or changed. Read them and tap Read.",
    instr_more: "… and {n} more (shown at check-in)",
  },
});

// Redraw whatever shows an instruction when one is marked read (on this screen or another).
const listeners = new Set();

function seenKey(kind, item) {
  return `${SEEN_PREFIX}${kind}:${item.id}`;
}

/** Changed since the guard last tapped "Läst" on it (never true without storage). */
export function isNew(kind, item) {
  const changed = item && item.instructions ? item.instructions_changed_at || "" : "";
  if (!changed) return false;
  try {
    return localStorage.getItem(seenKey(kind, item)) !== changed;
  } catch (_) {
    return false; // Storage unavailable (private mode): show the text, without the "Ny" mark.
  }
}

export function markRead(kind, item) {
  try {
    localStorage.setItem(seenKey(kind, item), item.instructions_changed_at || "");
  } catch (_) {
    // Nothing to keep it in: the mark comes back next time, which is the safe side.
  }
  for (const fn of [...listeners]) fn();
}

function entry(kind, item, title) {
  if (!item || !item.instructions) return null;
  const box = h("div", { class: "instruction" });
  const draw = () => {
    const fresh = isNew(kind, item);
    const heading = h("p", { class: "instruction-title" }, title);
    if (fresh) heading.append(h("span", { class: "badge new-badge" }, t("new_badge")));
    const parts = [heading, h("p", { class: "instruction-text" }, item.instructions)];
    if (fresh) {
      const read = h(
        "button",
        { type: "button", class: "instruction-read", "aria-label": t("instr_read_label", { title }) },
        t("instr_read")
      );
      read.addEventListener("click", () => markRead(kind, item));
      parts.push(read);
    }
    box.replaceChildren(...parts);
  };
  const redraw = () => (box.isConnected || !box.dataset.drawn ? draw() : listeners.delete(redraw));
  listeners.add(redraw);
  draw();
  box.dataset.drawn = "1";
  return box;
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

/** Every instruction of the cached sites document that the guard has not marked read. */
export function newInstructions(siteData) {
  const found = [];
  for (const area of siteData.areas || []) {
    for (const property of area.properties || []) {
      if (isNew("property", property)) found.push({ kind: "property", item: property, title: property.name });
      for (const checkpoint of property.checkpoints || []) {
        if (isNew("checkpoint", checkpoint)) {
          found.push({ kind: "checkpoint", item: checkpoint, title: `${checkpoint.label}, ${property.name}` });
        }
      }
    }
  }
  return found;
}

// --- home card -----------------------------------------------------------------------------

const cards = new Set();

async function drawCard(card) {
  const fresh = newInstructions(await sites());
  card.hidden = !fresh.length;
  if (!fresh.length) {
    card.replaceChildren();
    return;
  }
  const shown = fresh.slice(0, HOME_LIST_MAX).map(({ kind, item, title }) => {
    const box = entry(kind, item, title);
    box.classList.add("instruction-home");
    return box;
  });
  card.replaceChildren(
    h("h2", { id: "instr-home-title" }, t("instr_new_title")),
    h("p", { class: "instr-count" }, fresh.length === 1 ? t("instr_new_one") : t("instr_new_many", { n: fresh.length })),
    ...shown,
    ...(fresh.length > HOME_LIST_MAX ? [h("p", { class: "muted" }, t("instr_more", { n: fresh.length - HOME_LIST_MAX }))] : [])
  );
}

function redrawCards() {
  for (const card of [...cards]) {
    if (card.isConnected) drawCard(card);
    else cards.delete(card);
  }
}

listeners.add(redrawCards);
window.addEventListener("sites-updated", redrawCards);

addHomeExtension((container, ctx) => {
  if (!ctx.user) return;
  const card = h("section", { class: "card instructions-card", "aria-labelledby": "instr-home-title", hidden: true });
  container.append(card);
  cards.add(card);
  drawCard(card);
});
