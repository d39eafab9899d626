// The photo viewer of the review pages: a photo link opens the full image in a modal <dialog>
// on the same page instead of the raw file in the tab. Previous/next walk the photos of the
// same report (also with the arrow keys), Escape or a tap outside the buttons closes, and focus
// returns to the link that opened it. The full image is requested only when it is shown; the
// page itself loads thumbnails only. The dialog's markup and words come from the server
// (review/layout.html), so the viewer speaks the page's language.

export function mountPhotoViewer(root) {
  const dialog = root.getElementById("photo-viewer");
  if (!dialog || typeof dialog.showModal !== "function") return; // links open the file
  const image = dialog.querySelector(".viewer-image");
  const caption = dialog.querySelector(".viewer-caption");
  const previous = dialog.querySelector(".viewer-previous");
  const next = dialog.querySelector(".viewer-next");
  const close = dialog.querySelector(".viewer-close");
  let group = [];
  let index = 0;
  let opener = null;

  function show(at) {
    index = (at + group.length) % group.length;
    const link = group[index];
    image.src = link.href;
    image.alt = link.querySelector("img")?.alt || "";
    caption.textContent = dialog.dataset.counter
      .replace("{n}", String(index + 1))
      .replace("{total}", String(group.length));
    previous.hidden = next.hidden = group.length < 2;
  }

  root.addEventListener("click", (event) => {
    const link = event.target.closest?.("a.photo-link");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const list = link.closest(".photos");
    group = list ? [...list.querySelectorAll("a.photo-link")] : [link];
    opener = link;
    show(group.indexOf(link));
    dialog.showModal();
    close.focus();
  });

  previous.addEventListener("click", () => show(index - 1));
  next.addEventListener("click", () => show(index + 1));
  close.addEventListener("click", () => dialog.close());
  // A tap on the photo or the dark backdrop closes; the buttons do their own thing.
  dialog.addEventListener("click", (event) => {
    if (!event.target.closest("button")) dialog.close();
  });
  dialog.addEventListener("keydown", (event) => {
    if (group.length < 2) return;
    if (event.key === "ArrowLeft") show(index - 1);
    else if (event.key === "ArrowRight") show(index + 1);
    else return;
    event.preventDefault();
  });
  dialog.addEventListener("close", () => {
    image.removeAttribute("src");
    opener?.focus();
  });
}
