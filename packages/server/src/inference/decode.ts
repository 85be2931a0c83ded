import sharp from "sharp";
import { InferdError } from "../errors";
import { readImageSize, type ImageSize } from "./image-header";

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

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((byte, i) => bytes[at + i] === byte);
}

/**
 * The format of encoded image bytes from their signature, as libvips' loaders recognise them
 * (PNG's 8-byte signature, JPEG's SOI marker FF D8, WebP's RIFF....WEBP header); undefined for
 * anything else.
 */
export function sniffFormat(bytes: Uint8Array): "png" | "jpeg" | "webp" | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (startsWith(bytes, [0xff, 0xd8])) return "jpeg";
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return "webp";
  return undefined;
}

function tooManyPixels(size: ImageSize, maxPixels: number): InferdError {
  const pixels = size.width * size.height;
  return new InferdError("resource-exhausted", `the image is ${size.width}x${size.height} = ${pixels} pixels; the limit is ${maxPixels}: send a smaller image`);
}

/**
 * Checks encoded image bytes without decoding them and returns their size from the header:
 * throws InferdError invalid-argument for bytes that are not PNG, JPEG or WebP (or whose
 * header cannot be read), resource-exhausted for an image over `maxPixels` however large it
 * is (sharp's own 268-megapixel limit never gets to answer first).
 */
export async function measureImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): Promise<ImageSize> {
  if (bytes.length === 0) throw new InferdError("invalid-argument", "the image is empty; send PNG, JPEG or WebP bytes");
  const format = sniffFormat(bytes);
  if (format === undefined) {
    throw new InferdError("invalid-argument", `the image (${bytes.length} bytes) is not a PNG, JPEG or WebP file; send one of those`);
  }
  // Our own header reader covers the usual layouts; libvips' (still without decoding) the rest.
  const size =
    readImageSize(bytes, format) ??
    (await sharp(bytes, { limitInputPixels: false })
      .metadata()
      .then((m) => (m.width && m.height ? { width: m.width, height: m.height } : undefined))
      .catch(() => undefined));
  if (!size) throw new InferdError("invalid-argument", `the ${format} image's header is unreadable; send an intact PNG, JPEG or WebP file`);
  if (size.width * size.height > maxPixels) throw tooManyPixels(size, maxPixels);
  return size;
}

/**
 * Decodes PNG, JPEG or WebP bytes to RGB with sharp (libvips runs on libuv's thread pool, so
 * the event loop is free meanwhile). EXIF orientation is applied, so result coordinates are
 * those of the upright image a viewer shows. Throws InferdError: invalid-argument for bytes
 * that are not a supported image, resource-exhausted for an image over `maxPixels`.
 *
 * The format and the pixel limit are checked on the header first ({@link measureImage}, no
 * decoding), then one sharp call decodes; sharp's `limitInputPixels` stays as a second guard.
 * libvips' metadata is read only to explain a failure.
 */
export async function decodeImage(bytes: Uint8Array, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): Promise<DecodedImage> {
  await measureImage(bytes, maxPixels);
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
    throw await explainFailure(bytes, maxPixels, error);
  }
}

/** Why a decode failed: too many pixels (from the header), or bytes sharp cannot decode. */
async function explainFailure(bytes: Uint8Array, maxPixels: number, error: unknown): Promise<InferdError> {
  // No pixel limit here: sharp's default one (268 MP) would make a huge image look undecodable.
  const metadata = await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => undefined);
  if (metadata && !ACCEPTED_FORMATS.includes(metadata.format ?? "")) {
    return new InferdError("invalid-argument", `images must be PNG, JPEG or WebP; this one is ${metadata.format ?? "unknown"}`);
  }
  if (metadata?.width && metadata.height && metadata.width * metadata.height > maxPixels) {
    return tooManyPixels({ width: metadata.width, height: metadata.height }, maxPixels);
  }
  return new InferdError("invalid-argument", `the image could not be decoded (${error instanceof Error ? error.message : String(error)}); send an intact PNG, JPEG or WebP file`);
}
