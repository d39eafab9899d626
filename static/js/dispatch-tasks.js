// Extra rounds on the guard's home screen (issue 5).
//
// The tasks come from GET /api/v1/dispatches (fetched when the app syncs, when a push says a
// new one came, and on the home screen), and are kept in IndexedDB so that they show offline
// too: a guard gets extra rounds with or without push. "Kvittera" and "Klar" are records like
// any other: a PUT /api/v1/dispatch-responses/<uuid> through the outbox, shown at once.

import { getValue, setValue } from "./db.js";
import { currentLocation } from "./geo.js";
import { formatTime, language } from "./i18n.js";
import { enqueue } from "./outbox.js";
import { requestSync } from "./sync.js";
import { h } from "./ui.js";

const TASKS_KEY = "dispatches";
const DONE_KEY = "dispatchResponses";
const RESPONSE_PRIORITY = 10;

const TEXT = {
  sv: {
    title: "Extra rundor",
    from: "Från {name} kl. {time}",
    acknowledge: "Kvittera",
    complete: "Klar",
    acknowledged: "Kvitterad {time} – på väg",
    completed: "Klar {time}",
    waiting: "väntar",
    acknowledged_label: "Extra runda kvitterad",
    completed_label: "Extra runda klar",
  },
  en: {
    title: "Extra rounds",
    from: "From {name} at {time}",
    acknowledge: "Acknowledge",
    complete: "Done",
    acknowledged: "Acknowledged {time} – on the way",
    completed: "Done {time}",
    waiting: "waiting",
    acknowledged_label: "Extra round acknowledged",
    completed_label: "Extra round done",
  },
};

function tr(key, params = {}) {
  const value = TEXT[language()]?.[key] ?? TEXT.sv[key];
  return value.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

const mounted = new Set();

/** Fetch the open extra rounds (when online) and redraw every mounted list. */
export async function refreshDispatches() {
  if (navigator.onLine) {
    try {
      const answer = await fetch("/api/v1/dispatches", { credentials: "same-origin", cache: "no-store" });
      if (answer.ok) await setValue(TASKS_KEY, await answer.json());
    } catch (_) {
      // offline after all: the cached list stays
    }
  }
  for (const draw of [...mounted]) await draw();
}

async function respond(task, action) {
  const done = (await getValue(DONE_KEY)) || {};
  const occurredAt = new Date().toISOString();
  done[task.id] = { ...(done[task.id] || {}), [action]: occurredAt };
  await setValue(DONE_KEY, done);
  const location = await Promise.race([currentLocation(), new Promise((r) => setTimeout(() => r(null), 3000))]);
  await enqueue({
    method: "PUT",
    url: `/api/v1/dispatch-responses/${crypto.randomUUID()}`,
    body: {
      dispatch_id: task.id,
      action,
      occurred_at: occurredAt,
      lat: location?.lat ?? null,
      lon: location?.lon ?? null,
      accuracy_m: location?.accuracy_m ?? null,
    },
    kind: "dispatch_response",
    label: tr(`${action}_label`) + `: ${task.property_name}`,
    priority: RESPONSE_PRIORITY,
  });
  requestSync();
}

export function mountDispatchTasks(container) {
  const list = h("ul", { class: "dispatch-tasks" });
  const section = h("section", { class: "card dispatch-card", "aria-labelledby": "dispatch-title", hidden: true },
    h("h2", { id: "dispatch-title" }, tr("title")), list);
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
    for (const task of tasks) {
      const mine = (task.guards && task.guards[0]) || {};
      const local = done[task.id] || {};
      const acknowledgedAt = local.acknowledged || mine.acknowledged_at;
      const completedAt = local.completed || mine.completed_at;
      if (completedAt && !local.completed) continue; // done and confirmed by the server
      const state = completedAt
        ? tr("completed", { time: formatTime(completedAt) })
        : acknowledgedAt
          ? tr("acknowledged", { time: formatTime(acknowledgedAt) })
          : "";
      const actions = h("div", { class: "row" });
      if (!acknowledgedAt && !completedAt) {
        actions.append(h("button", { type: "button", class: "primary", onclick: () => respond(task, "acknowledged").then(draw) }, tr("acknowledge")));
      }
      if (!completedAt) {
        actions.append(h("button", { type: "button", onclick: () => respond(task, "completed").then(draw) }, tr("complete")));
      }
      items.push(
        h("li", { class: "dispatch-task", id: `dispatch-${task.id}` },
          h("p", { class: "dispatch-place" }, h("strong", {}, task.property_name), ` – ${task.address}`),
          task.message ? h("p", { class: "dispatch-message" }, task.message) : null,
          h("p", { class: "muted small" }, tr("from", { name: task.created_by, time: formatTime(task.created_at) })),
          state ? h("p", { class: "dispatch-state" }, state) : null,
          actions)
      );
    }
    list.replaceChildren(...items);
    section.hidden = items.length === 0;
  };
  mounted.add(draw);
  draw();
}
