// Location for a record: asked only when the guard records something (privacy by default),
// with a 10 s limit. Denied, unavailable or slow: the record goes without a position.

const LIMIT_MS = 10_000;

/** {lat, lon, accuracy_m} or all null. Never rejects. */
export function currentLocation() {
  const none = { lat: null, lon: null, accuracy_m: null };
  if (!("geolocation" in navigator)) return Promise.resolve(none);
  return new Promise((resolve) => {
    // Our own guard too: some browsers never call back while a permission prompt is open.
    const timer = setTimeout(() => resolve(none), LIMIT_MS + 500);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        clearTimeout(timer);
        resolve({
          lat: position.coords.latitude,
          lon: position.coords.longitude,
          accuracy_m: Math.round(position.coords.accuracy * 10) / 10,
        });
      },
      () => {
        clearTimeout(timer);
        resolve(none);
      },
      { enableHighAccuracy: true, timeout: LIMIT_MS, maximumAge: 30_000 }
    );
  });
}
