// Resident information (issue 14): after a serious event a supervisor plans how residents are
// told (anslag i trapphus / brev / dörrknackning) and at which entrances; the guard marks each
// entrance done here, also with no network. Plans are cached in IndexedDB when the app is
// online; each entrance done is one record (its UUID made here) PUT through the outbox to
// /api/v1/resident-info/visits/<uuid>, written with the local "done" state in ONE transaction
// by records.record() at the tap; the position follows when the phone finds one.
//
// Hooks: app.js routes /resident-info here. The cached plans, their refresh after each sync
// pass and the home card are in residents.js (loaded with the home screen's cards).

import { currentLocation } from "./geo.js";
import { addStrings, formatTime, t } from "./i18n.js";
import { list as listOutbox, onOutboxChange } from "./outbox.js";
import { NO_POSITION, record } from "./records.js";
import { DONE_KEY, cached, isDone, planListeners, refreshPlans } from "./residents.js";
import { coalesce, field, h, notice } from "./ui.js";

export const NAME = "resident-info";

addStrings({
  sv: {
    ri_lead: "Markera varje entré när den är klar. Det fungerar utan nät; allt skickas när nätet finns.",
    ri_none: "Inga planer just nu.",
    ri_progress: "{done} av {total} klara",
    ri_fetched: "Hämtad {time}",
    ri_method_notice: "Anslag i trapphus",
    ri_method_letter: "Brev",
    ri_method_door_knocking: "Dörrknackning",
    ri_notice_posted: "Anslag uppsatt",
    ri_letters_delivered: "Brev utdelade",
    ri_doors_knocked: "Knackade dörrar",
    ri_doors_answered: "Svarade",
    ri_note: "Anteckning",
    ri_summary_doors: "{knocked} dörrar knackade, {answered} svarade",
    ri_summary_knocked: "{knocked} dörrar knackade",
    ri_done: "Klar",
    ri_not_done: "Inte klar",
    ri_record: "Registrera",
    ri_whole_address: "hela adressen",
    ri_saved: "Sparat. Skickas när nätet finns.",
    ri_nothing_done: "Ange vad som gjordes: anslag, brev eller knackade dörrar.",
    ri_answered_too_many: "Fler svarade än det knackades på.",
    ri_bad_number: "Ange ett heltal, 0 eller mer.",
  },
  en: {
    ri_lead: "Mark each entrance when it is done. It works with no network; everything is sent when there is one.",
    ri_none: "No plans right now.",
    ri_progress: "{done} of {total} done",
    ri_fetched: "Fetched {time}",
    ri_method_notice: "Stairwell notice",
    ri_method_letter: "Letter",
    ri_method_door_knocking: "Door knocking",
    ri_notice_posted: "Notice posted",
    ri_letters_delivered: "Letters delivered",
    ri_doors_knocked: "Doors knocked on",
    ri_doors_answered: "Answered",
    ri_note: "Note",
    ri_summary_doors: "{knocked} doors knocked, {answered} answered",
    ri_summary_knocked: "{knocked} doors knocked",
    ri_done: "Done",
    ri_not_done: "Not done",
    ri_record: "Record",
    ri_whole_address: "the whole address",
    ri_saved: "Saved. Sent when there is a network.",
    ri_nothing_done: "Say what was done: notice, letters or doors knocked on.",
    ri_answered_too_many: "More answered than were knocked on.",
    ri_bad_number: "Give a whole number, 0 or more.",
  },
});

// --- records ------------------------------------------------------------------------------

function summary(visit) {
  const parts = [];
  if (visit.notice_posted) parts.push(t("ri_notice_posted"));
  if (visit.letters_delivered) parts.push(t("ri_letters_delivered"));
  if (visit.doors_knocked !== null && visit.doors_knocked !== undefined) {
    parts.push(
      visit.doors_answered !== null && visit.doors_answered !== undefined
        ? t("ri_summary_doors", { knocked: visit.doors_knocked, answered: visit.doors_answered })
        : t("ri_summary_knocked", { knocked: visit.doors_knocked })
    );
  }
  return parts.join(" · ");
}

function entranceName(entrance) {
  return entrance.label ? `${entrance.property_name}, ${entrance.label}` : `${entrance.property_name} (${t("ri_whole_address")})`;
}

/**
 * One entrance done: the outbox entry and the local state in one transaction (records.js),
 * at the tap: `done_at` is the tap's time, and the position is added when it comes.
 */
function recordVisit(entrance, visit) {
  const id = crypto.randomUUID();
  const entryId = crypto.randomUUID();
  return record(
    async ({ kv }, _present, at) => {
      const fields = { done_at: at, ...visit, ...NO_POSITION };
      const done = (await kv.get(DONE_KEY)) || {};
      done[entrance.id] = [...(done[entrance.id] || []), { id, entryId, ...fields }];
      return {
        entries: [
          {
            id: entryId,
            method: "PUT",
            url: `/api/v1/resident-info/visits/${id}`,
            body: { entrance_id: entrance.id, ...fields },
            kind: "resident_info",
            label: `${t("ri_title")}: ${entranceName(entrance)}`,
            position: true,
          },
        ],
        kv: { [DONE_KEY]: done },
      };
    },
    { located: currentLocation() }
  );
}

// --- the screen ----------------------------------------------------------------------------

function numberInput(name) {
  return h("input", { type: "number", name, min: 0, max: 10000, step: 1, inputmode: "numeric" });
}

function readCount(input) {
  const text = input.value.trim();
  if (text === "") return { value: null };
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= 10000 ? { value: n } : { error: true };
}

function visitForm(plan, entrance, onSaved) {
  const key = `ri-${entrance.id}`;
  const controls = [];
  const notice_ = h("input", { type: "checkbox", name: "notice_posted", id: `${key}-notice` });
  const letters = h("input", { type: "checkbox", name: "letters_delivered", id: `${key}-letters` });
  const knocked = numberInput("doors_knocked");
  const answered = numberInput("doors_answered");
  const note = h("textarea", { name: "note", rows: 2, maxlength: 2000 });
  const methods = plan.methods.length ? plan.methods : ["notice", "letter", "door_knocking"];
  if (methods.includes("notice")) controls.push(h("label", { class: "check-line", for: `${key}-notice` }, notice_, h("span", {}, t("ri_notice_posted"))));
  if (methods.includes("letter")) controls.push(h("label", { class: "check-line", for: `${key}-letters` }, letters, h("span", {}, t("ri_letters_delivered"))));
  if (methods.includes("door_knocking")) {
    controls.push(h("div", { class: "row" }, field(`${key}-knocked`, t("ri_doors_knocked"), knocked), field(`${key}-answered`, t("ri_doors_answered"), answered)));
  }
  const errors = h("p", { class: "alert", role: "alert", hidden: true });
  const save = h("button", { type: "submit", class: "primary big" }, t("save"));
  const form = h("form", { class: "stack ri-form", novalidate: true }, ...controls, field(`${key}-note`, t("ri_note"), note), errors, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const k = readCount(knocked);
    const a = readCount(answered);
    let problem = null;
    if (k.error || a.error) problem = t("ri_bad_number");
    else if (a.value !== null && (k.value === null || a.value > k.value)) problem = t("ri_answered_too_many");
    else if (!notice_.checked && !letters.checked && !k.value) problem = t("ri_nothing_done");
    errors.textContent = problem || "";
    errors.hidden = !problem;
    if (problem) return;
    save.disabled = true;
    try {
      await recordVisit(entrance, {
        notice_posted: notice_.checked,
        letters_delivered: letters.checked,
        doors_knocked: k.value,
        doors_answered: a.value,
        note: note.value.trim(),
      });
      notice(t("ri_saved"));
      onSaved();
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function stateOf(localVisits, outboxById) {
  const pending = localVisits.map((v) => outboxById.get(v.entryId)).filter(Boolean);
  if (pending.some((e) => e.state === "needs_attention")) return { state: "needs_attention", message: pending.map((e) => e.lastMessage).filter(Boolean).join(" ") };
  return { state: pending.length ? "waiting" : "sent", message: "" };
}

export async function render(container) {
  const body = h("div", { class: "ri-plans" });
  const opened = new Set();
  const draw = async () => {
    if (body.contains(document.activeElement) && document.activeElement.closest("form")) return; // never under the guard's fingers
    const [{ plans, fetchedAt, done }, entries] = await Promise.all([cached(), listOutbox()]);
    const outboxById = new Map(entries.map((e) => [e.id, e]));
    const items = [];
    if (!plans.length) items.push(h("p", { class: "card" }, t("ri_none")));
    for (const plan of plans) {
      const total = plan.entrances.length;
      const doneCount = plan.entrances.filter((e) => isDone(e, done)).length;
      const list = h("ul", { class: "ri-entrances" });
      for (const entrance of plan.entrances) {
        const local = done[entrance.id] || [];
        const finished = isDone(entrance, done);
        const lines = [...(entrance.visits || []).map((v) => summary(v)), ...local.map((v) => summary(v))];
        const item = h(
          "li",
          { class: `ri-entrance ${finished ? "done" : "not-done"}`, dataset: { entrance: String(entrance.id) } },
          h("p", { class: "ri-name" }, h("strong", {}, entranceName(entrance)), " ", h("span", { class: `state ${finished ? "sent" : "waiting"}` }, finished ? t("ri_done") : t("ri_not_done")))
        );
        for (const line of [...new Set(lines)]) item.append(h("p", { class: "muted ri-summary" }, line));
        if (local.length) {
          const { state, message } = stateOf(local, outboxById);
          item.append(h("p", {}, h("span", { class: `state ${state}` }, t(`state_${state}`)), message ? ` ${message}` : ""));
        }
        if (opened.has(entrance.id)) {
          item.append(visitForm(plan, entrance, () => {
            opened.delete(entrance.id);
            document.activeElement?.blur();
            draw();
          }));
        } else {
          const open = h("button", { type: "button", class: finished ? "" : "primary", "aria-label": `${t("ri_record")}: ${entranceName(entrance)}` }, t("ri_record"));
          open.addEventListener("click", () => {
            opened.add(entrance.id);
            draw();
          });
          item.append(open);
        }
        list.append(item);
      }
      items.push(
        h(
          "section",
          { class: "card ri-plan", "aria-label": plan.title },
          h("h2", {}, plan.title),
          h("p", { class: "ri-progress" }, t("ri_progress", { done: doneCount, total })),
          h("p", { class: "muted" }, plan.methods.map((m) => t(`ri_method_${m}`)).join(", ")),
          plan.message ? h("p", { class: "ri-message" }, plan.message) : null,
          list
        )
      );
    }
    if (fetchedAt) items.push(h("p", { class: "muted small" }, t("ri_fetched", { time: formatTime(fetchedAt) })));
    body.replaceChildren(...items);
  };
  const redraw = coalesce(draw);
  const stopOutbox = onOutboxChange(redraw);
  planListeners.add(redraw);
  await draw();
  refreshPlans();
  container.append(
    h("section", { class: "card" }, h("h1", {}, t("ri_title")), h("p", { class: "muted" }, t("ri_lead"))),
    body,
    h("a", { href: "/", class: "button back", "data-nav": true }, t("back"))
  );
  return () => {
    stopOutbox();
    planListeners.delete(redraw);
  };
}
