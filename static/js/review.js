// Progressive enhancement for the review pages; everything works without this file.
// - The work-order list gets a "Print" button (printing works from the browser menu anyway).
// - Picking a date in Natten's date picker opens that night at once.

for (const button of document.querySelectorAll(".print-button")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

const picker = document.querySelector(".date-picker");
if (picker) {
  const input = picker.querySelector('input[type="date"]');
  input.addEventListener("change", () => {
    if (input.value) picker.requestSubmit();
  });
}
