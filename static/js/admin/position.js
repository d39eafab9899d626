// "Använd min position" on the admin's checkpoint and property pages: the admin stands at the
// door and fills in latitude, longitude and the accuracy from the phone's GPS. Nothing is
// saved until the form is saved. No map tiles: the page works offline and without this file.

const button = document.querySelector(".use-position");
const status = document.querySelector(".position-status");
const field = (name) => document.querySelector(`[name="${name}"]`);

function say(text) {
  status.textContent = text;
}

function fill(position) {
  const { latitude, longitude, accuracy } = position.coords;
  field("lat").value = latitude.toFixed(6);
  field("lon").value = longitude.toFixed(6);
  field("position_accuracy_m").value = Math.round(accuracy);
  say(button.dataset.done.replace("{m}", String(Math.round(accuracy))));
  button.disabled = false;
}

function fail(error) {
  button.disabled = false;
  say(
    error.code === 1
      ? button.dataset.denied
      : button.dataset.failed.replace("{reason}", error.message || String(error.code)),
  );
}

if (button && "geolocation" in navigator) {
  button.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    say(button.dataset.asking);
    navigator.geolocation.getCurrentPosition(fill, fail, {
      enableHighAccuracy: true,
      timeout: 30000,
      maximumAge: 0,
    });
  });
}
