// Photos on the phone (DESIGN 5): scaled to at most 1600 px on the long edge, turned upright
// by their EXIF orientation, re-encoded as JPEG (which drops EXIF and its GPS), hashed with
// SHA-256 for the Content-Digest header, and kept as a Blob.

export const MAX_EDGE = 1600;
export const JPEG_QUALITY = 0.85;

function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 of a Blob: {hex, digestHeader}. */
export async function blobDigest(blob) {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  return { hex: toHex(hash), digestHeader: `sha-256=:${toBase64(hash)}:` };
}

async function encodeJpeg(bitmap, width, height) {
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    return canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, width, height);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), "image/jpeg", JPEG_QUALITY)
  );
}

/** A picked file -> {blob, width, height, sha256, digestHeader}. Throws when not an image. */
export async function preparePhoto(file, maxEdge = MAX_EDGE) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const blob = await encodeJpeg(bitmap, width, height);
    const { hex, digestHeader } = await blobDigest(blob);
    return { blob, width, height, sha256: hex, digestHeader };
  } finally {
    bitmap.close();
  }
}
