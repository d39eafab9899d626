// Small DOM helpers for the screens: build elements without innerHTML (no injection, and the
// CSP forbids inline styles and handlers anyway), and the shared notice line.

/**
 * h("button", {class: "primary", onclick: fn}, "Spara") -> <button class="primary">Spara</button>
 * Attributes starting with "on" become listeners; true/false toggle boolean attributes.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else if (name === "value" && "value" in element) {
      element.value = value;
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A labelled field: <label for=id>text</label> + the control. */
export function field(id, labelText, control, hint) {
  control.id = id;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, labelText),
    hint ? h("p", { class: "hint muted", id: `${id}-hint` }, hint) : null,
    control
  );
}

/** <select> with a first empty "Välj …" option and the given [value, text] options. */
export function select(name, options, selected, placeholder) {
  const element = h("select", { name });
  if (placeholder !== undefined) element.append(h("option", { value: "" }, placeholder));
  for (const [value, text] of options) {
    const option = h("option", { value: String(value) }, text);
    if (String(value) === String(selected ?? "")) option.selected = true;
    element.append(option);
  }
  return element;
}

let noticeTimer = null;

/** A short message under the top bar (screen readers hear it: role=status). */
export function notice(text, kind = "ok") {
  const box = document.getElementById("notice");
  if (!box) return;
  clearTimeout(noticeTimer);
  box.textContent = text;
  box.className = `banner notice-banner ${kind}`;
  box.hidden = !text;
  if (text) noticeTimer = setTimeout(() => (box.hidden = true), 8000);
}

/**
 * fn, called at most once per `ms` however often the returned function is called (the
 * counters and the log redraw on every outbox change; a sync pass changes it 150 times).
 */
export function coalesce(fn, ms = 150) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
}
