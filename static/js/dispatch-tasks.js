// Extra rounds on the guard's home screen (issue 5).
//
// The tasks come from GET /api/v1/dispatches (fetched when the app syncs, when a push says a
// new one came, and on the home screen), and are kept in IndexedDB so that they show offline
// too: a guard gets extra rounds with or without push. "Kvittera" and "Klar" are records like
// any other: a PUT /api/v1/dispatch-responses/<uuid> through the outbox, shown at once.

import { getJson } from "./api.js";
import { getValue, setValue } from "./db.js";
import { currentLocation } from "./geo.js";
import { formatTime, t } from "./i18n.js";
import { PRIORITY } from "./outbox.js";
import { record } from "./records.js";
import { requestSync } from "./sync.js";
import { h } from "./ui.js";

const TASKS_KEY = "dispatches";
const DONE_KEY = "dispatchResponses";

const mounted = new Set();

/** Fetch the open extra rounds (when online) and redraw every mounted list. */
export async function refreshDispatches() {
  if (navigator.onLine) {
    try {
      const answer = await getJson("/api/v1/dispatches");
      if (answer.ok) await setValue(TASKS_KEY, answer.body);
    } catch (_) {
      // offline after all: the cached list stays
    }
  }
  for (const draw of [...mounted]) await draw();
}

/**
 * "Kvittera" / "Klar": the local state and the outbox entry in one transaction (a reload
 * between the two can never show an answer that is not queued). A second tap for the same
 * action finds it recorded and queues nothing. The position follows (records.js).
 */
function respond(task, action) {
  const located = currentLocation();
  return record(async (stores, _present, at) => {
    const done = (await stores.kv.get(DONE_KEY)) || {};
    if (done[task.id] && done[task.id][action]) return { entries: [] };
    const occurredAt = at; // the tap's time
    done[task.id] = { ...(done[task.id] || {}), [action]: occurredAt };
    return {
      entries: [
        {
          method: "PUT",
          url: `/api/v1/dispatch-responses/${crypto.randomUUID()}`,
          body: { dispatch_id: task.id, action, occurred_at: occurredAt, lat: null, lon: null, accuracy_m: null },
          kind: "dispatch_response",
          label: `${t(`dispatch_${action}_label`)}: ${task.property_name}`,
          priority: PRIORITY.record,
          position: true,
        },
      ],
      kv: { [DONE_KEY]: done },
    };
  }, { located }).then(() => requestSync());
}

/** The list of extra rounds into `container`; a flag for each one waiting into `flagBox`. */
export function mountDispatchTasks(container, flagBox) {
  const list = h("ul", { class: "dispatch-tasks" });
  const flags = h("div", { class: "dispatch-flags" });
  flagBox.append(flags);
  const section = h("section", { class: "card dispatch-card", "aria-labelledby": "dispatch-title", hidden: true },
    h("h2", { id: "dispatch-title" }, t("dispatch_title")), list);
  container.append(section);

  // Built before the home screen attaches it: forget it only once it has left the page.
  let shown = false;
  const draw = async () => {
    if (section.isConnected) shown = true;
    else if (shown) {
      mounted.delete(draw);
      return;
    }
    const tasks = (await getValue(TASKS_KEY)) || [];
    const done = (await getValue(DONE_KEY)) || {};
    const items = [];
    const waiting = [];
    for (const task of tasks) {
      const mine = (task.guards && task.guards[0]) || {};
      const local = done[task.id] || {};
      const acknowledgedAt = local.acknowledged || mine.acknowledged_at;
      const completedAt = local.completed || mine.completed_at;
      if (completedAt && !local.completed) continue; // done and confirmed by the server
      const state = completedAt
        ? t("dispatch_completed", { time: formatTime(completedAt) })
        : acknowledgedAt
          ? t("dispatch_acknowledged", { time: formatTime(acknowledgedAt) })
          : "";
      if (!acknowledgedAt && !completedAt) {
        waiting.push(h("a", { href: `#dispatch-${task.id}`, class: "banner dispatch-flag" }, t("dispatch_waiting", { place: task.property_name })));
      }
      const actions = h("div", { class: "row" });
      // Both buttons off while an answer is being saved: one tap, one answer.
      const answer = (action) => () => {
        for (const button of actions.querySelectorAll("button")) button.disabled = true;
        respond(task, action).finally(draw);
      };
      if (!acknowledgedAt && !completedAt) {
        actions.append(h("button", { type: "button", class: "primary", onclick: answer("acknowledged") }, t("dispatch_acknowledge")));
      }
      if (!completedAt) {
        actions.append(h("button", { type: "button", onclick: answer("completed") }, t("dispatch_complete")));
      }
      items.push(
        h("li", { class: "dispatch-task", id: `dispatch-${task.id}` },
          h("p", { class: "dispatch-place" }, h("strong", {}, task.property_name), ` – ${task.address}`),
          task.message ? h("p", { class: "dispatch-message" }, task.message) : null,
          h("p", { class: "muted small" }, t("dispatch_from", { name: task.created_by, time: formatTime(task.created_at) })),
          state ? h("p", { class: "dispatch-state" }, state) : null,
          actions)
      );
    }
    list.replaceChildren(...items);
    flags.replaceChildren(...waiting);
    section.hidden = items.length === 0;
  };
  mounted.add(draw);
  draw();
}
