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
      if (answer.ok && answer.me.user?.must_change_password) {
        // A one-time password from the admin: choose an own one first (server page).
        location.assign("/account/password");
        return;
      }
      if (answer.ok) {
        await ctx.onLoggedIn(answer.me);
        return;
      }
      error.textContent = answer.message || t("login_failed");
      error.hidden = false;
    } catch (_) {
      error.textContent = t("login_offline");
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });

  container.append(
    h(
      "section",
      { class: "card narrow-card" },
      h("h1", {}, t("login_title")),
      h("p", { class: "lead" }, ctx.user ? t("login_needed") : t("login_lead")),
      navigator.onLine ? null : h("p", { class: "alert warning" }, t("login_offline")),
      form
    )
  );
  (ctx.user ? password : username).dataset.autofocus = "";
}
