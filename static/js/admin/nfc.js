// "Skriv NFC-tagg": writes the checkpoint's /c/<token> link to an NFC tag with Web NFC
// (Chrome on Android). Elsewhere the button stays hidden and the page's text explains how to
// write the same link with any NFC app.

const box = document.querySelector(".nfc");
const button = box?.querySelector(".write-nfc");
const status = box?.querySelector(".nfc-status");

if (button && "NDEFReader" in window) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = button.dataset.waiting;
    try {
      const writer = new window.NDEFReader();
      await writer.write({ records: [{ recordType: "url", data: box.dataset.url }] });
      status.textContent = button.dataset.done;
    } catch (error) {
      status.textContent = button.dataset.failed.replace("{reason}", error.message || error.name);
    } finally {
      button.disabled = false;
    }
  });
}
