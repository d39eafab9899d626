// Alarm drills on the guard's phone (issue 23, point 5). A supervisor starts a drill at
// /review/drills; this phone learns of it by push (sw-push.js posts {type: "push", payload:
// {type: "drill"}}) and by asking GET /api/v1/drills/pending when the app opens, comes to the
// foreground and after each sync, so a phone without push gets it too. It shows
// "Övningslarm" over every screen until the guard answers "Jag är OK".
//
// "Seen" (the phone had it) and "answered" are records like any other: idempotent PUTs to the
// drill's own URLs through records.record(), so they reach the desk offline or not. The local
// state (which drills this phone has seen and answered) is written in the same transaction.

import { getJson } from "./api.js";
import { getValue, setValue } from "./db.js";
import { addStrings, formatTime, t } from "./i18n.js";
import { PRIORITY } from "./outbox.js";
import { record } from "./records.js";
import { addHomeExtension } from "./screen-home.js";
import { onSyncComplete, requestSync } from "./sync.js";
import { h } from "./ui.js";

const DRILLS_KEY = "drills";
const STATE_KEY = "drillState";

addStrings({
  sv: {
    drill_title: "Övningslarm",
    drill_text: "Det här är en övning. Svara att du är OK.",
    drill_from: "Från {name} kl. {time}",
    drill_answer: "Jag är OK",
  },
  en: {
    drill_title: "Alarm drill",
    drill_text: "This is a drill. Answer that you are OK.",
    drill_from: "From {name} at {time}",
    drill_answer: "I'm OK",
  },
});

let box = null;
let asking = null;

/** The drills to show: pending on the server (or cached), not answered on this phone. */
async function openDrills() {
  const drills = (await getValue(DRILLS_KEY)) || [];
  const state = (await getValue(STATE_KEY)) || {};
  return drills.filter((d) => !(state[d.id] && state[d.id].answered));
}

/** One record for a drill (`what` = "seen" or "answer"), unless this phone made it already. */
function mark(drill, what) {
  return record(async (stores, _present, at) => {
    const state = (await stores.kv.get(STATE_KEY)) || {};
    const mine = state[drill.id] || {};
    const done = what === "seen" ? mine.seen : mine.answered;
    if (done) return { entries: [] };
    state[drill.id] = { ...mine, [what === "seen" ? "seen" : "answered"]: at };
    const body = what === "seen" ? { seen_at: at } : { answered_at: at };
    return {
      entries: [
        {
          method: "PUT",
          url: `/api/v1/drills/${drill.id}/${what}`,
          body,
          kind: "drill",
          label: `${t("drill_title")}: ${what === "seen" ? "✓" : t("drill_answer")}`,
          priority: PRIORITY.record, // a drill: never ahead of a real SOS
        },
      ],
      kv: { [STATE_KEY]: state },
    };
  }).then(() => requestSync());
}

async function draw() {
  const drills = await openDrills();
  if (!box) {
    box = h("section", { class: "drill-alarm", id: "drill-alarm", role: "alertdialog", "aria-labelledby": "drill-title", hidden: true });
    document.body.append(box);
  }
  const drill = drills[0];
  if (!drill) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const state = (await getValue(STATE_KEY)) || {};
  if (!(state[drill.id] && state[drill.id].seen)) await mark(drill, "seen");
  const answer = h("button", { type: "button", class: "primary big drill-answer" }, t("drill_answer"));
  answer.addEventListener("click", async () => {
    answer.disabled = true;
    await mark(drill, "answer");
    await draw();
  });
  box.replaceChildren(
    h("div", { class: "drill-card", id: `drill-${drill.id}` },
      h("h2", { id: "drill-title" }, t("drill_title")),
      h("p", {}, t("drill_text")),
      h("p", { class: "muted small" }, t("drill_from", { name: drill.started_by, time: formatTime(drill.sent_at) })),
      answer)
  );
  box.hidden = false;
  answer.focus();
}

/** Ask the server for pending drills (when online), keep them, and show the first. */
export function refreshDrills() {
  if (asking) return asking;
  asking = (async () => {
    if (navigator.onLine) {
      try {
        const answer = await getJson("/api/v1/drills/pending");
        if (answer.ok) await setValue(DRILLS_KEY, answer.body.drills || []);
      } catch (_) {
        // offline after all: the cached list stays
      }
    }
    await draw();
  })().finally(() => {
    asking = null;
  });
  return asking;
}

// Asked whenever the home screen is drawn (so when the app opens: home-cards.js loads this
// module once the first screen is ready, which keeps it out of the start's budget), ...
addHomeExtension(() => {
  refreshDrills();
});
// ... when the app comes to the foreground, after each sync, and on a drill's push.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshDrills();
});
onSyncComplete((result) => {
  if (!(result && result.offline)) refreshDrills();
});
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "push" && data.payload && data.payload.type === "drill") refreshDrills();
  });
}
