// Login: once, online, before the shift. After that the app opens offline all night.
// Also shown when the server says the session is gone; the outbox is kept meanwhile.

import * as api from "./api.js";
import { t } from "./i18n.js";
import { settlePendingLogout } from "./sync.js";
import { field, h } from "./ui.js";

export const NAME = "login";

export function render(container, ctx) {
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "none", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "alert", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "primary big" }, t("login"));

  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("login-username", t("username"), username),
    field("login-password", t("password"), password),
    error,
    submit
  );
  if (ctx.user) username.value = ctx.user.username || "";

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const missing = [
      username.value.trim() ? null : t("username_required"),
      password.value ? null : t("password_required"),
    ].filter(Boolean);
    if (missing.length) {
      error.textContent = missing.join(" ");
      error.hidden = false;
      (username.value.trim() ? password : username).focus();
      return;
    }
    submit.disabled = true;
    try {
      // A logout made offline reaches the server before the new login.
      if (!(await settlePendingLogout())) throw new api.NetworkError(new Error("offline"));
      const answer = await api.login(username.value.trim(), password.value);
      if (!answer.ok && answer.error === "second_factor_setup_required") {
        // The role needs a second factor and none is set up: the server's set-up page, which
        // comes back to the app when it is done.
        location.assign(api.SECOND_STEP_SETUP_PAGE);
        return;
      }
      if (!answer.ok && answer.error === "second_factor_required") {
        askForCode(section, ctx);
        return;
      }
      if (await loggedIn(answer, ctx)) return;
      error.textContent = answer.message || t("login_failed");
      error.hidden = false;
    } catch (_) {
      error.textContent = t("login_offline");
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  const section = h(
    "section",
    { class: "card narrow-card" },
    h("h1", {}, t("login_title")),
    h("p", { class: "lead" }, ctx.user ? t("login_needed") : t("login_lead")),
    navigator.onLine ? null : h("p", { class: "alert warning" }, t("login_offline")),
    form
  );
  container.append(section);
  (ctx.user ? password : username).dataset.autofocus = "";
}

/** After a login answer: true when the user is now logged in (and the app goes on). */
async function loggedIn(answer, ctx) {
  if (answer.ok && answer.me.user?.must_change_password) {
    // A one-time password from the admin: choose an own one first (server page).
    location.assign("/account/password");
    return true;
  }
  if (answer.ok) {
    await ctx.onLoggedIn(answer.me);
    return true;
  }
  return false;
}

/**
 * The second step (issue 27): the password was right, the server keeps nothing logged in until
 * a code from the authenticator app (or a recovery code) follows within 5 minutes. A code
 * that comes too late answers "second_step_expired": the password form comes back.
 */
function askForCode(section, ctx) {
  const code = h("input", {
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    autocapitalize: "none",
    spellcheck: "false",
    maxlength: "40",
    required: true,
  });
  const error = h("p", { class: "alert", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "primary big" }, t("second_step_submit"));
  const form = h("form", { class: "stack", novalidate: true }, field("login-code", t("second_step_code"), code), error, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!code.value.trim()) {
      error.textContent = t("second_step_required");
      error.hidden = false;
      code.focus();
      return;
    }
    submit.disabled = true;
    try {
      const answer = await api.secondStep(code.value.trim());
      if (await loggedIn(answer, ctx)) return;
      if (answer.error === "second_step_expired") {
        const container = section.parentNode;
        section.remove();
        render(container, ctx);
        const again = container.querySelector(".alert[role=alert]");
        again.textContent = answer.message;
        again.hidden = false;
        return;
      }
      error.textContent = answer.message || t("login_failed");
      error.hidden = false;
      code.value = "";
      code.focus();
    } catch (_) {
      error.textContent = t("login_offline");
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  // A passkey instead: the server's second-step page has "Bekräfta med din nyckel" (the half
  // state is in the same cookie) and comes back to /app/ when it is done.
  const key = h("a", { class: "button big", href: "/login/code" }, t("second_step_key"));
  section.replaceChildren(h("h1", {}, t("second_step_title")), h("p", { class: "lead" }, t("second_step_lead")), form, key);
  code.focus();
}
