// Progressive enhancement for the review pages; everything works without this file.
// The work-order list gets a "Print" button (printing from the browser menu works anyway,
// with the same A4 print stylesheet).

for (const button of document.querySelectorAll(".print-button")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
