// IndexedDB for the guard app: a tiny promise wrapper (no library needed for this much).
//
// Stores:
//   outbox  pending requests (JSON bodies inline), key "id"               (outbox.js)
//   bodies  the Blob bodies of outbox entries (photos), key = entry id     (outbox.js)
//           (or their bytes, where IndexedDB refuses Blobs: see storableBlob below)
//   kv      small values: user, sites, sites ETag, current shift, report draft, ...
//   log     what the guard recorded, per shift, for "Tonight's log", key "id"
//
// The browser may close the connection (storage pressure, "clear site data", a version
// change from another tab): every call goes through db(), which reopens it when needed.

const DB_NAME = "nattpatrull";
const DB_VERSION = 2;

let opening = null;
// Whether this browser's IndexedDB keeps Blobs: a promise, tried once (keepsBlobs below).
let blobsKept = null;

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const database = request.result;
      if (!database.objectStoreNames.contains("outbox")) {
        database.createObjectStore("outbox", { keyPath: "id" });
      }
      if (!database.objectStoreNames.contains("bodies")) {
        database.createObjectStore("bodies");
      }
      if (!database.objectStoreNames.contains("kv")) {
        database.createObjectStore("kv");
      }
      if (!database.objectStoreNames.contains("log")) {
        const log = database.createObjectStore("log", { keyPath: "id" });
        log.createIndex("shiftId", "shiftId");
      }
    };
    request.onsuccess = () => {
      const database = request.result;
      // Closed by the browser: forget it, the next call opens a new connection.
      database.onclose = () => {
        opening = null;
      };
      // Another tab wants a newer schema: step aside so it can upgrade.
      database.onversionchange = () => {
        database.close();
        opening = null;
      };
      resolve(database);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("IndexedDB upgrade blocked by another tab"));
  });
}

export function db() {
  if (!opening) {
    opening = openDatabase().catch((error) => {
      opening = null;
      throw error;
    });
  }
  return opening;
}

// A tiny Blob put in an aborted transaction: true when IndexedDB keeps Blobs. WebKit's
// ephemeral sessions (Safari private windows, WebDriver) refuse them (UnknownError).
function triesBlob(database) {
  return new Promise((resolve) => {
    let tx;
    try {
      tx = database.transaction("bodies", "readwrite");
    } catch (_) {
      resolve(true); // cannot tell: the first real write says it
      return;
    }
    let kept = false;
    tx.onabort = () => resolve(kept);
    tx.oncomplete = () => resolve(kept);
    try {
      const request = tx.objectStore("bodies").put(new Blob(["?"], { type: "text/plain" }), "blob-probe");
      request.onsuccess = () => {
        kept = true;
        tx.abort();
      };
      request.onerror = (event) => {
        event.preventDefault();
        kept = false;
      };
    } catch (_) {
      kept = false;
      try {
        tx.abort();
      } catch (_error) {
        // already finished
      }
    }
  });
}

// Asked once, at the first photo (the cold start does not pay for it).
export function keepsBlobs() {
  if (!blobsKept) blobsKept = db().then(triesBlob);
  return blobsKept;
}

// A Blob as IndexedDB here keeps it: itself, or its bytes {storedBlob, type} (blobFrom turns
// them back). Call it before the storing transaction: reading bytes inside would commit it early.
export async function storableBlob(blob) {
  if (!(blob instanceof Blob) || (await keepsBlobs())) return blob;
  return { storedBlob: await blob.arrayBuffer(), type: blob.type };
}

export function isStoredBlob(value) {
  return Boolean(value && typeof value === "object" && value.storedBlob instanceof ArrayBuffer);
}

export function blobFrom(value) {
  return isStoredBlob(value) ? new Blob([value.storedBlob], { type: value.type || "" }) : value;
}

function requestPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run fn(stores) in one transaction over the named stores; resolves with fn's result once
 * the transaction has committed. Retries once on a connection the browser closed under us.
 *
 * Read-write transactions are "strict" by default: what a guard records is on disk before
 * the app says it is saved. Callers may pass "relaxed" where a loss on power failure is
 * harmless (removing a delivered entry: at worst it is sent again, and PUTs are idempotent).
 */
export async function transaction(storeNames, mode, fn, durability = "strict") {
  const names = Array.isArray(storeNames) ? storeNames : [storeNames];
  for (let attempt = 0; ; attempt++) {
    let database;
    try {
      database = await db();
      const tx = database.transaction(names, mode, mode === "readwrite" ? { durability } : undefined);
      const done = new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
      });
      const stores = Object.fromEntries(names.map((name) => [name, wrapStore(tx.objectStore(name))]));
      let result;
      try {
        result = await fn(stores);
      } catch (error) {
        try {
          tx.abort();
        } catch (_) {
          // already finished
        }
        done.catch(() => {});
        throw error;
      }
      await done;
      return result;
    } catch (error) {
      const closed = error && (error.name === "InvalidStateError" || error.name === "UnknownError");
      if (closed && attempt === 0) {
        opening = null;
        continue;
      }
      throw error;
    }
  }
}

function wrapStore(store) {
  return {
    get: (key) => requestPromise(store.get(key)),
    getAll: (query) => requestPromise(store.getAll(query)),
    put: (value, key) => requestPromise(key === undefined ? store.put(value) : store.put(value, key)),
    delete: (key) => requestPromise(store.delete(key)),
    count: () => requestPromise(store.count()),
    index: (name) => {
      const index = store.index(name);
      return { getAll: (query) => requestPromise(index.getAll(query)) };
    },
  };
}

// --- key/value helpers -------------------------------------------------------------------

export function getValue(key) {
  return transaction("kv", "readonly", (s) => s.kv.get(key));
}

export function setValue(key, value) {
  return transaction("kv", "readwrite", (s) => s.kv.put(value, key));
}

export function deleteValue(key) {
  return transaction("kv", "readwrite", (s) => s.kv.delete(key));
}

// --- the guard's log of tonight ----------------------------------------------------------

export function putLogItem(item) {
  return transaction("log", "readwrite", (s) => s.log.put(item));
}

export function logItemsForShift(shiftId) {
  return transaction("log", "readonly", (s) => s.log.index("shiftId").getAll(shiftId));
}

export function getLogItem(id) {
  return transaction("log", "readonly", (s) => s.log.get(id));
}
