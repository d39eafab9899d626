// The guard app's words, Swedish first (architecture §8), English beside them: every module of the
// app (and push.js on the supervisor's pages) takes its text from here.
// Both languages are in this one precached file: switching works offline. Category and level
// labels come from the server's one list (patrol/labels.py) through /app-data.js.

import { CATEGORY_LABELS, LEVEL_LABELS } from "/app-data.js";
import { formatClock } from "./nights.js";

const STRINGS = {
  sv: {
    app_name: "Nattpatrull",
    // the offset a time of the autumn night's repeated hour carries: "02:10 (vintertid)"
    time_cet: "vintertid",
    time_cest: "sommartid",
    language_switch: "English",
    online: "Online",
    offline: "Offline",
    unsent_none: "Allt skickat",
    unsent_one: "1 osänd",
    unsent_many: "{n} osända",
    // "Behöver åtgärd" is its own state (issue 20, point 3): never counted as waiting.
    attention_count: "{n} behöver åtgärd",
    attention_count_one: "1 behöver åtgärd",
    attention_home_one: "1 registrering behöver åtgärd: servern tog inte emot den och skickar den inte av sig själv. Öppna den och välj Försök igen eller Kasta.",
    attention_home_many: "{n} registreringar behöver åtgärd: servern tog inte emot dem och skickar dem inte av sig själva. Öppna dem och välj Försök igen eller Kasta.",
    attention_open: "Öppna det som behöver åtgärd",
    nothing_waiting: "Inget väntar på att skickas.",
    send_now_only_attention: "Inget väntar på att skickas. Det som är kvar behöver åtgärd: öppna det och välj Försök igen eller Kasta.",
    attention_kept_one: "1 registrering behöver åtgärd: servern tog inte emot den. Den ligger kvar i telefonen tills du väljer Försök igen eller Kasta i Nattens logg.",
    attention_kept: "{n} registreringar behöver åtgärd: servern tog inte emot dem. De ligger kvar i telefonen tills du väljer Försök igen eller Kasta i Nattens logg.",
    syncing: "Skickar …",
    // buttons (architecture §8)
    login: "Logga in",
    start_shift: "Starta pass",
    check_in: "Checka in",
    report: "Rapportera",
    end_shift: "Avsluta pass",
    send_now: "Skicka nu",
    save: "Spara",
    add_photo: "Lägg till foto",
    logout: "Logga ut",
    // fields (architecture §8)
    username: "Användarnamn",
    password: "Lösenord",
    code: "Kod",
    property: "Fastighet",
    checkpoint: "Kontrollpunkt",
    category: "Kategori",
    level: "Nivå",
    description: "Beskrivning",
    photos: "Foton",
    // states (architecture §8)
    state_waiting: "väntar",
    state_sent: "skickad",
    state_needs_attention: "behöver åtgärd",
    state_checked_at_sync: "kontrolleras vid synk",
    state_discarded: "kasserad",
    discard: "Kasta",
    discard_question: "Kasta? Det här tas bort från telefonen och skickas aldrig:",
    discard_confirm: "Ja, kasta",
    discard_reported: "Arbetsledaren får se att du kastade det.",
    new_version: "Ny version finns",
    apply_update: "Uppdatera nu",
    // screens
    login_title: "Logga in",
    login_lead: "Logga in en gång före passet. Sedan fungerar appen utan nät hela natten.",
    login_needed: "Du är utloggad. Logga in igen – inget du har registrerat går förlorat.",
    login_offline: "Ingen kontakt med servern. Första inloggningen kräver nät.",
    login_failed: "Fel användarnamn eller lösenord.",
    username_required: "Skriv ditt användarnamn.",
    logout_question: "Logga ut?",
    logout_unsent_one: "1 registrering{photos} är inte skickad än. Den ligger kvar i telefonen och skickas när du loggar in igen.",
    logout_unsent: "{n} registreringar{photos} är inte skickade än. De ligger kvar i telefonen och skickas när du loggar in igen.",
    logout_unsent_photos: "Foton{photos} är inte skickade än. De ligger kvar i telefonen och skickas när du loggar in igen.",
    logout_offline: "Du är offline. För att logga in igen behövs nät – till dess kan du inte registrera något, inte heller SOS.",
    logout_anyway: "Logga ut ändå",
    cancel: "Avbryt",
    password_required: "Skriv ditt lösenord.",
    second_step_title: "Ange koden från din app",
    second_step_lead: "Öppna autentiseringsappen och skriv de sex siffror den visar för Nattpatrull. Tappat telefonen? Skriv en reservkod.",
    second_step_code: "Kod",
    second_step_required: "Skriv koden.",
    second_step_submit: "Fortsätt",
    home_title: "Nattpass",
    no_shift: "Inget pass pågår.",
    shift_running: "Pass pågår sedan {time}.",
    shift_ended: "Passet avslutades {time}.",
    logged_in_as: "Inloggad som {name}.",
    last_checkin: "Senaste incheckning: {label} kl. {time}.",
    tonights_log: "Nattens logg",
    extra_tasks: "Uppdrag",
    unsent_entries: "Osända registreringar",
    all_sent: "Allt är skickat till servern.",
    n_unsent: "{n} registreringar{photos} väntar på att skickas.",
    one_unsent: "1 registrering{photos} väntar på att skickas.",
    only_photos_unsent: "Foton{photos} väntar på att skickas.",
    photo_count_one: "1 foto",
    photo_count_many: "{n} foton",
    needs_shift: "Starta passet först.",
    back: "Tillbaka",
    checkin_title: "Checka in",
    scan: "Skanna QR-kod",
    scan_stop: "Stäng kameran",
    scan_hint: "Rikta kameran mot QR-koden vid kontrollpunkten.",
    nfc_start: "Läs NFC-tagg",
    nfc_listening: "Håll telefonen mot NFC-taggen vid kontrollpunkten.",
    nfc_not_ours: "Taggen hör inte till någon kontrollpunkt.",
    nfc_failed: "NFC kunde inte startas. Slå på NFC i telefonens inställningar, eller skanna QR-koden.",
    type_code: "Skriv koden under QR-koden",
    choose_from_list: "Välj från listan",
    choose: "Välj …",
    none: "Ingen",
    code_required: "Skriv koden.",
    code_unknown: "Okänd kod. Kontrollera koden som står under QR-koden.",
    code_outside_area: "Koden finns – utanför ditt område",
    choose_checkpoint: "Välj kontrollpunkt.",
    checked_in: "Incheckad: {label}.",
    checked_in_code: "Kod {code} sparad – kontrolleras vid synk.",
    qr_checkpoint: "Kontrollpunkt från QR-kod",
    instructions: "Instruktioner",
    new_badge: "Ny",
    qr_unknown: "Okänd QR-kod – kontrolleras vid synk.",
    // A sticker whose code was replaced ("Byt QR-kod"): nothing is saved (issue 20, point 4).
    qr_retired: "Gammal QR-kod – räknas inte till rundan. Säg till arbetsledaren.",
    unknown_type_code: "Skriv koden som står under QR-koden i stället.",
    type_code_short: "Skriv kod",
    round_scan_hint: "Skanna dekalen, läs NFC-taggen eller skriv koden. ”Checka in” utan kod går också, men markeras som manuell.",
    report_title: "Rapportera",
    photos_hint: "Upp till 6 foton.",
    photo_processing: "Förbereder foto …",
    remove_photo: "Ta bort",
    photo_n: "Foto {n}",
    too_many_photos: "Högst 6 foton per rapport.",
    photo_failed_named: "Fotot {name} kunde inte läsas. Ta ett nytt eller välj ett annat.",
    characters_left: "{n} tecken kvar av {max}.",
    report_saved: "Rapporten är sparad.",
    property_required: "Välj fastighet.",
    category_required: "Välj kategori.",
    level_required: "Välj nivå.",
    draft_restored: "Ditt påbörjade formulär är återställt.",
    sites_missing: "Listan över fastigheter är inte hämtad än. Anslut till nätet en stund så hämtas den.",
    log_title: "Nattens logg",
    log_empty: "Inget registrerat under passet än.",
    storage_kept: "Telefonen behåller appens data: det som inte är skickat rensas inte bort.",
    storage_evictable: "Telefonen kan rensa appens data om lagringen blir full. Skicka det som väntar så snart du har nät.",
    storage_unknown: "Webbläsaren säger inte om den kan rensa appens data. Skicka det som väntar så snart du har nät.",
    storage_iphone: "På iPhone: lägg till appen på hemskärmen (Dela → Lägg till på hemskärmen) och öppna den därifrån, så behålls datan.",
    retry: "Försök igen",
    kind_shift_start: "Pass startat",
    kind_shift_end: "Pass avslutat",
    kind_checkin: "Incheckning",
    kind_report: "Rapport",
    kind_photo: "Foto",
    end_title: "Avsluta pass",
    end_warning_one: "1 registrering är inte skickad än. Den ligger kvar i telefonen och skickas när nätet finns.",
    end_warning: "{n} registreringar är inte skickade än. De ligger kvar i telefonen och skickas när nätet finns.",
    end_warning_photos: "Foton är inte skickade än. De ligger kvar i telefonen och skickas när nätet finns.",
    end_all_sent: "Allt är skickat.",
    end_note: "Anteckning (valfri)",
    shift_started: "Passet har startat.",
    shift_ended_notice: "Passet är avslutat.",
    offline_note: "Du är offline. Allt sparas i telefonen och skickas senare.",
    method_qr: "QR",
    method_nfc: "NFC",
    method_code: "kod",
    method_manual: "manuell",
    location_none: "utan position",
    sent_at: "skickad",
    // extra rounds
    dispatch_title: "Extra rundor",
    dispatch_from: "Från {name} kl. {time}",
    dispatch_acknowledge: "Kvittera",
    dispatch_complete: "Klar",
    dispatch_acknowledged: "Kvitterad {time} – på väg",
    dispatch_completed: "Klar {time}",
    dispatch_acknowledged_label: "Extra runda kvitterad",
    dispatch_completed_label: "Extra runda klar",
    dispatch_waiting: "Extra runda väntar: {place}",
    // SOS
    sos_title: "Larm",
    sos_button: "SOS",
    sos_hint: "Håll inne knappen i 2 sekunder, eller tryck och bekräfta.",
    sos_confirm_question: "Skicka SOS till arbetsledare och väktare i tjänst?",
    sos_confirm: "Ja, skicka SOS",
    sos_cancel: "Avbryt",
    sos_countdown: "SOS skickas om {n} s",
    sos_cancelled: "SOS avbrutet. Inget skickades.",
    sos_queued: "SOS väntar på nät – skickas först av allt när telefonen får kontakt.",
    sos_received_alerted: "SOS mottaget {time}. Arbetsledaren har fått en avisering – väntar på kvittens.",
    sos_received_not_alerted: "SOS mottaget {time}, men ingen arbetsledare har aviseringar på. Det syns på larmsidan – ring arbetsledaren.",
    sos_acknowledged_by: "Kvitterat av {name} {time}. Hjälp är på väg.",
    sos_banner_title: "SOS",
    sos_pressed_at: "tryckt {time}",
    sos_call_112: "Ring 112",
    sos_call_supervisor: "Ring arbetsledaren",
    sos_close: "Stäng",
    sos_with_position: "Med din position (±{m} m).",
    sos_no_position: "Utan position.",
    kind_sos: "SOS",
    acute_badge: "AKUT",
    // notifications
    push_title: "Aviseringar",
    push_enable: "Aktivera aviseringar",
    push_disable: "Stäng av aviseringar",
    push_on: "Aviseringar är på för den här enheten.",
    push_off: "Aviseringar är av. Larm och extra rundor syns ändå i appen när den synkar.",
    push_working: "Aktiverar …",
    push_unsupported: "Den här webbläsaren kan inte ta emot aviseringar. Larm och extra rundor syns i appen när den synkar.",
    push_ios: "På iPhone och iPad: lägg först till appen på hemskärmen (Dela → Lägg till på hemskärmen) och öppna den därifrån. Då kan du aktivera aviseringar.",
    push_denied: "Aviseringar är blockerade för den här sidan. Tillåt dem i webbläsarens inställningar för webbplatsen.",
    push_dismissed: "Du svarade inte på frågan om aviseringar. Tryck igen för att försöka.",
    push_failed: "Kunde inte aktivera aviseringar: {reason}",
    push_offline: "Ingen anslutning. Försök igen när telefonen har nät.",
  },
  en: {
    app_name: "Nattpatrull",
    time_cet: "CET",
    time_cest: "CEST",
    language_switch: "Svenska",
    online: "Online",
    offline: "Offline",
    unsent_none: "All sent",
    unsent_one: "1 unsent",
    unsent_many: "{n} unsent",
    attention_count: "{n} need attention",
    attention_count_one: "1 needs attention",
    attention_home_one: "1 record needs attention: the server did not accept it and it will not be sent by itself. Open it and choose Retry or Discard.",
    attention_home_many: "{n} records need attention: the server did not accept them and they will not be sent by themselves. Open them and choose Retry or Discard.",
    attention_open: "Open what needs attention",
    nothing_waiting: "Nothing is waiting to be sent.",
    send_now_only_attention: "Nothing is waiting to be sent. What is left needs attention: open it and choose Retry or Discard.",
    attention_kept_one: "1 record needs attention: the server did not accept it. It stays on the phone until you choose Retry or Discard in Tonight's log.",
    attention_kept: "{n} records need attention: the server did not accept them. They stay on the phone until you choose Retry or Discard in Tonight's log.",
    syncing: "Sending …",
    login: "Log in",
    start_shift: "Start shift",
    check_in: "Check in",
    report: "Report",
    end_shift: "End shift",
    send_now: "Send now",
    save: "Save",
    add_photo: "Add photo",
    logout: "Log out",
    username: "Username",
    password: "Password",
    code: "Code",
    property: "Property",
    checkpoint: "Checkpoint",
    category: "Category",
    level: "Level",
    description: "Description",
    photos: "Photos",
    state_waiting: "waiting",
    state_sent: "sent",
    state_needs_attention: "needs attention",
    state_checked_at_sync: "checked at sync",
    state_discarded: "discarded",
    discard: "Discard",
    discard_question: "Discard? This is removed from the phone and never sent:",
    discard_confirm: "Yes, discard",
    discard_reported: "The supervisor will see that you discarded it.",
    new_version: "New version available",
    apply_update: "Update now",
    login_title: "Log in",
    login_lead: "Log in once before the shift. Then the app works without network all night.",
    login_needed: "You are logged out. Log in again – nothing you recorded is lost.",
    login_offline: "No contact with the server. The first login needs a network.",
    login_failed: "Wrong username or password.",
    username_required: "Type your username.",
    logout_question: "Log out?",
    logout_unsent_one: "1 record{photos} has not been sent yet. It stays on the phone and is sent when you log in again.",
    logout_unsent: "{n} records{photos} have not been sent yet. They stay on the phone and are sent when you log in again.",
    logout_unsent_photos: "Photos{photos} have not been sent yet. They stay on the phone and are sent when you log in again.",
    logout_offline: "You are offline. Logging in again needs a network – until then you cannot record anything, SOS included.",
    logout_anyway: "Log out anyway",
    cancel: "Cancel",
    password_required: "Type your password.",
    second_step_title: "Enter the code from your app",
    second_step_lead: "Open your authenticator app and type the six digits it shows for Nattpatrull. Lost your phone? Type a recovery code.",
    second_step_code: "Code",
    second_step_required: "Type the code.",
    second_step_submit: "Continue",
    home_title: "Night shift",
    no_shift: "No shift running.",
    shift_running: "Shift running since {time}.",
    shift_ended: "The shift ended at {time}.",
    logged_in_as: "Logged in as {name}.",
    last_checkin: "Last check-in: {label} at {time}.",
    tonights_log: "Tonight's log",
    extra_tasks: "Tasks",
    unsent_entries: "Unsent records",
    all_sent: "Everything has reached the server.",
    n_unsent: "{n} records{photos} waiting to be sent.",
    one_unsent: "1 record{photos} waiting to be sent.",
    only_photos_unsent: "Photos{photos} waiting to be sent.",
    photo_count_one: "1 photo",
    photo_count_many: "{n} photos",
    needs_shift: "Start the shift first.",
    back: "Back",
    checkin_title: "Check in",
    scan: "Scan QR code",
    scan_stop: "Close camera",
    scan_hint: "Point the camera at the checkpoint's QR code.",
    nfc_start: "Read NFC tag",
    nfc_listening: "Hold the phone against the NFC tag at the checkpoint.",
    nfc_not_ours: "The tag does not belong to a checkpoint.",
    nfc_failed: "NFC could not start. Turn NFC on in the phone's settings, or scan the QR code.",
    type_code: "Type the code under the QR code",
    choose_from_list: "Choose from the list",
    choose: "Choose …",
    none: "None",
    code_required: "Type the code.",
    code_unknown: "Unknown code. Check the code printed under the QR code.",
    code_outside_area: "The code exists – outside your area",
    choose_checkpoint: "Choose a checkpoint.",
    checked_in: "Checked in: {label}.",
    checked_in_code: "Code {code} saved – checked at sync.",
    qr_checkpoint: "Checkpoint from QR code",
    instructions: "Instructions",
    new_badge: "New",
    qr_unknown: "Unknown QR code – checked at sync.",
    qr_retired: "Old QR code – does not count for the round. Tell your supervisor.",
    unknown_type_code: "Type the code printed under the QR code instead.",
    type_code_short: "Type code",
    round_scan_hint: "Scan the sticker, read the NFC tag or type the code. \u201cCheck in\u201d without a code works too, but is marked as manual.",
    report_title: "Report",
    photos_hint: "Up to 6 photos.",
    photo_processing: "Preparing photo …",
    remove_photo: "Remove",
    photo_n: "Photo {n}",
    too_many_photos: "At most 6 photos per report.",
    photo_failed_named: "The photo {name} could not be read. Take a new one or choose another.",
    characters_left: "{n} characters left of {max}.",
    report_saved: "The report is saved.",
    property_required: "Choose a property.",
    category_required: "Choose a category.",
    level_required: "Choose a level.",
    draft_restored: "Your unfinished form has been restored.",
    sites_missing: "The list of properties has not been downloaded yet. Connect to a network for a moment.",
    log_title: "Tonight's log",
    log_empty: "Nothing recorded during this shift yet.",
    storage_kept: "The phone keeps the app's data: nothing unsent is cleared away.",
    storage_evictable: "The phone may clear the app's data when storage runs full. Send what is waiting as soon as you have a network.",
    storage_unknown: "The browser does not say whether it may clear the app's data. Send what is waiting as soon as you have a network.",
    storage_iphone: "On iPhone: add the app to the home screen (Share → Add to Home Screen) and open it from there, so the data is kept.",
    retry: "Retry",
    kind_shift_start: "Shift started",
    kind_shift_end: "Shift ended",
    kind_checkin: "Check-in",
    kind_report: "Report",
    kind_photo: "Photo",
    end_title: "End shift",
    end_warning_one: "1 record has not been sent yet. It stays on the phone and is sent when there is a network.",
    end_warning: "{n} records have not been sent yet. They stay on the phone and are sent when there is a network.",
    end_warning_photos: "Photos have not been sent yet. They stay on the phone and are sent when there is a network.",
    end_all_sent: "Everything has been sent.",
    end_note: "Note (optional)",
    shift_started: "The shift has started.",
    shift_ended_notice: "The shift has ended.",
    offline_note: "You are offline. Everything is kept on the phone and sent later.",
    method_qr: "QR",
    method_nfc: "NFC",
    method_code: "code",
    method_manual: "manual",
    location_none: "no location",
    sent_at: "sent",
    dispatch_title: "Extra rounds",
    dispatch_from: "From {name} at {time}",
    dispatch_acknowledge: "Acknowledge",
    dispatch_complete: "Done",
    dispatch_acknowledged: "Acknowledged {time} – on the way",
    dispatch_completed: "Done {time}",
    dispatch_acknowledged_label: "Extra round acknowledged",
    dispatch_completed_label: "Extra round done",
    dispatch_waiting: "Extra round waiting: {place}",
    sos_title: "Alarm",
    sos_button: "SOS",
    sos_hint: "Hold the button for 2 seconds, or tap and confirm.",
    sos_confirm_question: "Send SOS to the supervisor and the guards on shift?",
    sos_confirm: "Yes, send SOS",
    sos_cancel: "Cancel",
    sos_countdown: "SOS is sent in {n} s",
    sos_cancelled: "SOS cancelled. Nothing was sent.",
    sos_queued: "SOS waiting for a network – it goes first of all when the phone has contact.",
    sos_received_alerted: "SOS received {time}. The supervisor got a notification – waiting for acknowledgement.",
    sos_received_not_alerted: "SOS received {time}, but no supervisor has notifications on. It shows on the alarm page – call the supervisor.",
    sos_acknowledged_by: "Acknowledged by {name} {time}. Help is on the way.",
    sos_banner_title: "SOS",
    sos_pressed_at: "pressed {time}",
    sos_call_112: "Call 112",
    sos_call_supervisor: "Call the supervisor",
    sos_close: "Close",
    sos_with_position: "With your position (±{m} m).",
    sos_no_position: "Without a position.",
    kind_sos: "SOS",
    acute_badge: "ACUTE",
    push_title: "Notifications",
    push_enable: "Turn on notifications",
    push_disable: "Turn off notifications",
    push_on: "Notifications are on for this device.",
    push_off: "Notifications are off. Alerts and extra rounds still show in the app when it syncs.",
    push_working: "Turning on …",
    push_unsupported: "This browser cannot receive notifications. Alerts and extra rounds show in the app when it syncs.",
    push_ios: "On iPhone and iPad: first add the app to the home screen (Share → Add to Home Screen) and open it from there. Then you can turn on notifications.",
    push_denied: "Notifications are blocked for this site. Allow them in the browser's site settings.",
    push_dismissed: "You did not answer the notification question. Tap again to try.",
    push_failed: "Could not turn on notifications: {reason}",
    push_offline: "No connection. Try again when the phone has a network.",
  },
};

export const LANGUAGES = ["sv", "en"];
export const CATEGORIES = Object.keys(CATEGORY_LABELS);
export const LEVELS = Object.keys(LEVEL_LABELS);

// "cat_<key>" and "level_<key>": the server's labels.
for (const language of LANGUAGES) {
  for (const [key, texts] of Object.entries(CATEGORY_LABELS)) STRINGS[language][`cat_${key}`] = texts[language];
  for (const [key, texts] of Object.entries(LEVEL_LABELS)) STRINGS[language][`level_${key}`] = texts[language];
}

function readCookie(name) {
  const match = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
  return match ? decodeURIComponent(match[1]) : null;
}

let current = (() => {
  const chosen = localStorage.getItem("lang") || readCookie("lang");
  return LANGUAGES.includes(chosen) ? chosen : "sv";
})();

export function language() {
  return current;
}

/** Switch language; the server pages follow the same `lang` cookie. */
export function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  current = lang;
  localStorage.setItem("lang", lang);
  document.cookie = `lang=${lang}; path=/; max-age=31536000; samesite=lax`;
  document.documentElement.lang = lang;
}

/** " (4 foton)" for the photos still to send with the records, "" for none. */
export function photosSuffix(photos) {
  if (!photos) return "";
  return ` (${photos === 1 ? t("photo_count_one") : t("photo_count_many", { n: photos })})`;
}

/** "1 behöver åtgärd", "2 behöver åtgärd" (English: "1 needs attention", "2 need attention"). */
export function attentionText(n) {
  return n === 1 ? t("attention_count_one") : t("attention_count", { n });
}

/**
 * The top bar's counter: "Allt skickat", "1 osänd", "3 osända (4 foton)", "4 foton", and what
 * needs the guard apart: "2 osända · 1 behöver åtgärd", "1 behöver åtgärd".
 */
export function unsentCounterText({ records, photos, attention = 0 }) {
  const parts = [];
  if (records) parts.push((records === 1 ? t("unsent_one") : t("unsent_many", { n: records })) + photosSuffix(photos));
  else if (photos) parts.push(photos === 1 ? t("photo_count_one") : t("photo_count_many", { n: photos }));
  if (attention) parts.push(attentionText(attention));
  return parts.length ? parts.join(" · ") : t("unsent_none");
}

/** A feature module's own words ({sv: {...}, en: {...}}), added when the module loads. */
export function addStrings(tables) {
  for (const [lang, table] of Object.entries(tables)) Object.assign(STRINGS[lang], table);
}

/** The text for `key` in the current language, with {name} placeholders filled in. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.sv[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** An instant as Stockholm "HH:MM" (nights.js decides when it needs "(vintertid)"). */
export function formatTime(value) {
  const ms = (value instanceof Date ? value : new Date(value)).getTime();
  if (Number.isNaN(ms)) return "–";
  return formatClock(ms, (offsetMinutes) => t(offsetMinutes === 60 ? "time_cet" : "time_cest"));
}
