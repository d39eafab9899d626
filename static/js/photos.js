// Photos on the phone (architecture §5): scaled to at most 1600 px on the long edge, turned upright
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

/**
 * The JPEG without APP1-APP15 and COM segments (the image data untouched). Chromium's canvas
 * encoder adds an sRGB ICC profile (APP2); without it the upload has no metadata at all, so
 * the server stores it byte for byte (architecture §5a) and its SHA-256 stays what the phone sent.
 * A layout this does not understand is returned unchanged (the server then strips it).
 */
export function stripJpegMetadata(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return bytes;
  const kept = [bytes.subarray(0, 2)];
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) return bytes;
    const marker = bytes[i + 1];
    if (marker === 0xda) {
      kept.push(bytes.subarray(i));
      const out = new Uint8Array(kept.reduce((n, part) => n + part.length, 0));
      let offset = 0;
      for (const part of kept) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    }
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    const segment = bytes.subarray(i, i + 2 + length);
    if (!((marker >= 0xe1 && marker <= 0xef) || marker === 0xfe)) kept.push(segment);
    i += 2 + length;
  }
  return bytes;
}

/** A picked file -> {blob, width, height, sha256, digestHeader}. Throws when not an image. */
export async function preparePhoto(file, maxEdge = MAX_EDGE) {
  const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  try {
    const scale = Math.min(1, maxEdge / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const encoded = new Uint8Array(await (await encodeJpeg(bitmap, width, height)).arrayBuffer());
    const blob = new Blob([stripJpegMetadata(encoded)], { type: "image/jpeg" });
    const { hex, digestHeader } = await blobDigest(blob);
    return { blob, width, height, sha256: hex, digestHeader };
  } finally {
    bitmap.close();
  }
}
