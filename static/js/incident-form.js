// "Hot eller våld" on the report screen (issue 23, point 6): the details the employer must
// document beside the report's description ("what happened"): who was exposed and who saw it,
// as roles (never names), injuries, and the police report's number. Kept in the report's
// draft like every other field; sent in the report's body as `incident` (records.saveReport).

import { addStrings, t } from "./i18n.js";
import { field, h } from "./ui.js";

export const INCIDENT_CATEGORY = "threat_violence";
export const ROLES = ["guard", "resident", "visitor", "tradesperson", "staff", "other"];

addStrings({
  sv: {
    incident_title: "Hot eller våld",
    incident_hint: "Skriv roller, aldrig namn. Beskrivningen nedan är vad som hände.",
    incident_exposed: "Vem utsattes?",
    incident_witnesses: "Vittnen (roller)",
    incident_injuries: "Skador",
    incident_injuries_hint: "Hälsouppgift: sparas en begränsad tid.",
    incident_police: "Polisanmälans nummer (om det finns)",
    incident_exposed_required: "Ange vem som utsattes.",
    incident_what: "Vad hände?",
    role_guard: "väktaren",
    role_resident: "boende",
    role_visitor: "besökare",
    role_tradesperson: "hantverkare",
    role_staff: "fastighetens personal",
    role_other: "annan",
  },
  en: {
    incident_title: "Threat or violence",
    incident_hint: "Write roles, never names. The description below is what happened.",
    incident_exposed: "Who was exposed?",
    incident_witnesses: "Witnesses (roles)",
    incident_injuries: "Injuries",
    incident_injuries_hint: "Health data: kept for a limited time.",
    incident_police: "Police report number (if any)",
    incident_exposed_required: "Say who was exposed.",
    incident_what: "What happened?",
    role_guard: "the guard",
    role_resident: "resident",
    role_visitor: "visitor",
    role_tradesperson: "tradesperson",
    role_staff: "the property's staff",
    role_other: "other",
  },
});

export function emptyIncident() {
  return { exposed: [], witnesses: [], injuries: "", police: "" };
}

/** The body's `incident` for the draft's details. */
export function incidentBody(details) {
  return {
    exposed_roles: [...details.exposed],
    witness_roles: [...details.witnesses],
    injuries: details.injuries || "",
    police_report_number: details.police || "",
  };
}

/** The fieldset; `draft.incident` is changed in place and `persist()` called on each change. */
export function incidentFieldset(draft, persist) {
  if (!draft.incident) draft.incident = emptyIncident();
  const details = draft.incident;
  const roleBoxes = (name, list) => {
    const group = h("fieldset", { class: "roles", id: `incident-${name}` }, h("legend", {}, t(`incident_${name}`)));
    for (const role of ROLES) {
      const box = h("input", { type: "checkbox", name: `${name}_roles`, value: role, id: `incident-${name}-${role}` });
      box.checked = details[list].includes(role);
      box.addEventListener("change", () => {
        details[list] = ROLES.filter((r) => (r === role ? box.checked : details[list].includes(r)));
        persist();
      });
      group.append(h("label", { for: box.id, class: "check" }, box, h("span", {}, t(`role_${role}`))));
    }
    return group;
  };
  const injuries = h("textarea", { name: "injuries", rows: 2, maxlength: 2000 });
  injuries.value = details.injuries;
  injuries.addEventListener("input", () => {
    details.injuries = injuries.value;
    persist();
  });
  const police = h("input", { type: "text", name: "police_report_number", maxlength: 40, autocomplete: "off" });
  police.value = details.police;
  police.addEventListener("input", () => {
    details.police = police.value;
    persist();
  });
  return h(
    "section",
    { class: "incident-details", id: "incident-details", "aria-labelledby": "incident-title" },
    h("h2", { id: "incident-title" }, t("incident_title")),
    h("p", { class: "muted small" }, t("incident_hint")),
    roleBoxes("exposed", "exposed"),
    field("incident-injuries", t("incident_injuries"), injuries, t("incident_injuries_hint")),
    field("incident-police", t("incident_police"), police),
    roleBoxes("witnesses", "witnesses")
  );
}
