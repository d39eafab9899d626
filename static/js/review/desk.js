// Progressive enhancement for the review pages; everything works without this file.
// - The work-order list gets a "Print" button (printing from the browser menu works anyway,
//   with the same A4 print stylesheet).
// - Date fields (ÅÅÅÅ-MM-DD text, see review/_macros.html) show the page's own message beside
//   the field instead of the browser's bubble, which speaks the browser's language.
// - Photos open in a viewer on the same page (./photo-viewer.js).
import { mountPhotoViewer } from "./photo-viewer.js";

for (const button of document.querySelectorAll(".print-button")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

function errorFor(input) {
  const id = `${input.id}-client-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = document.createElement("p");
    box.id = id;
    box.className = "field-error";
    box.setAttribute("role", "alert");
    input.insertAdjacentElement("afterend", box);
  }
  return box;
}

for (const input of document.querySelectorAll("input.date-text")) {
  const described = input.getAttribute("aria-describedby") || "";
  input.addEventListener("invalid", (event) => {
    event.preventDefault(); // no browser bubble: our message, in the page's language
    const box = errorFor(input);
    box.textContent = input.dataset.error;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${described} ${box.id}`.trim());
    input.focus();
  });
  input.addEventListener("input", () => {
    if (!input.validity.valid) return;
    document.getElementById(`${input.id}-client-error`)?.remove();
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", described);
  });
}

mountPhotoViewer(document);
