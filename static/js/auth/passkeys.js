// Passkeys on the desk's pages (issue 27): "Använd en nyckel i stället" on the login page, "Bekräfta
// med din nyckel" on the second step of signing in, and adding a named key on
// /account/security. The server keeps the challenge and checks the answer
// (patrol/auth/passkeys.py); this only carries it to the browser's WebAuthn.

function csrfToken() {
  const field = document.querySelector("input[name=csrf_token]");
  return field ? field.value : "";
}

async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body || {}),
  });
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}

function fail(error, text) {
  error.textContent = text;
  error.hidden = false;
}

const signIn = document.getElementById("passkey-sign-in");
if (signIn) {
  signIn.addEventListener("click", async () => {
    const error = document.getElementById("passkey-error");
    error.hidden = true;
    signIn.disabled = true;
    try {
      const options = await postJson(signIn.dataset.options);
      if (!options.ok) return fail(error, options.data?.message || signIn.dataset.failed);
      const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.data),
      });
      const answer = await postJson(signIn.dataset.verify, { credential: credential.toJSON() });
      if (answer.ok) {
        location.assign(answer.data.next);
        return;
      }
      fail(error, answer.data?.message || signIn.dataset.failed);
    } catch (_) {
      fail(error, signIn.dataset.failed);
    } finally {
      signIn.disabled = false;
    }
  });
}

const add = document.getElementById("passkey-add");
if (add) {
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("passkey-error");
    const name = add.querySelector("input[name=name]");
    error.hidden = true;
    if (!name.value.trim()) {
      name.focus();
      return;
    }
    try {
      const options = await postJson(add.dataset.options);
      if (!options.ok) return fail(error, options.data?.message || add.dataset.failed);
      const credential = await navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.data),
      });
      const answer = await postJson(add.dataset.register, {
        name: name.value.trim(),
        credential: credential.toJSON(),
      });
      if (answer.ok) {
        location.reload();
        return;
      }
      fail(error, answer.data?.message || add.dataset.failed);
    } catch (_) {
      fail(error, add.dataset.failed);
    }
  });
}

// "Använd en nyckel i stället" on the login page, shown only where the browser has WebAuthn: the
// browser offers the keys it holds for this site; no username, no password.
const alone = document.getElementById("passkey-alone");
if (alone && window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON) {
  document.getElementById("passkey-alone-box").hidden = false;
  alone.addEventListener("click", async () => {
    const error = document.getElementById("passkey-alone-error");
    error.hidden = true;
    alone.disabled = true;
    try {
      const options = await postJson(alone.dataset.options);
      if (!options.ok) return fail(error, options.data?.message || alone.dataset.failed);
      const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.data),
      });
      const answer = await postJson(alone.dataset.verify, { credential: credential.toJSON() });
      if (answer.ok) {
        location.assign(answer.data.next);
        return;
      }
      fail(error, answer.data?.message || alone.dataset.failed);
    } catch (_) {
      fail(error, alone.dataset.failed);
    } finally {
      alone.disabled = false;
    }
  });
}
