import sharp from "sharp";
import { InferdError } from "../errors";

/** A decoded image: packed 8-bit RGB, row-major. */
export interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Formats Infer and Run accept (what the contract promises; SVG and friends are refused). */
export const ACCEPTED_FORMATS: readonly string[] = ["png", "jpeg", "webp"];

/** Default largest image, in pixels (about 8,000 x 8,000). */
export const DEFAULT_MAX_IMAGE_PIXELS = 64_000_000;

/**
 * Decodes PNG, JPEG or WebP bytes to RGB with sharp (libvips runs on libuv's thread pool, so
 * the event loop is free meanwhile). EXIF orientation is applied, so result coordinates are
 * those of the upright image a viewer shows. Throws InferdError: invalid-argument for bytes
 * that are not a supported image, resource-exhausted for an image over `maxPixels`.
 */
export async function decodeImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): Promise<DecodedImage> {
  if (bytes.length === 0) throw new InferdError("invalid-argument", "the image is empty; send PNG, JPEG or WebP bytes");
  let metadata: sharp.Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    throw new InferdError("invalid-argument", `the image (${bytes.length} bytes) is not a PNG, JPEG or WebP file sharp can read`);
  }
  if (!ACCEPTED_FORMATS.includes(metadata.format ?? "")) {
    throw new InferdError("invalid-argument", `images must be PNG, JPEG or WebP; this one is ${metadata.format ?? "unknown"}`);
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > maxPixels) {
    throw new InferdError("resource-exhausted", `the image is ${metadata.width}x${metadata.height} = ${pixels} pixels; the limit is ${maxPixels}: send a smaller image`);
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: "error" })
      .rotate()
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new InferdError("invalid-argument", `the image could not be decoded (${error instanceof Error ? error.message : String(error)}); send an intact PNG, JPEG or WebP file`);
  }
}
