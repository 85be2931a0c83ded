/** An image's size in pixels, as its header states it. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

const u16be = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32be = (b: Uint8Array, at: number): number => u16be(b, at) * 0x10000 + u16be(b, at + 2);
const u16le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number): number => u16le(b, at) + b[at + 2]! * 0x10000;

function png(b: Uint8Array): ImageSize | undefined {
  // Signature (8), IHDR length (4) and type (4), then width and height (big-endian).
  if (b.length < 24 || String.fromCharCode(...b.subarray(12, 16)) !== "IHDR") return undefined;
  return { width: u32be(b, 16), height: u32be(b, 20) };
}

// Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function jpeg(b: Uint8Array): ImageSize | undefined {
  let at = 2; // after SOI
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // EOI or scan data before any frame header
    const length = u16be(b, at + 2);
    if (isStartOfFrame(marker)) {
      if (at + 9 > b.length) return undefined;
      return { width: u16be(b, at + 7), height: u16be(b, at + 5) };
    }
    at += 2 + length;
  }
  return undefined;
}

function webp(b: Uint8Array): ImageSize | undefined {
  if (b.length < 30) return undefined;
  const chunk = String.fromCharCode(...b.subarray(12, 16));
  if (chunk === "VP8X") return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (chunk === "VP8L") {
    // Signature 0x2f, then width-1 and height-1 in 14 bits each, little-endian bit order.
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8 ") return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  return undefined;
}

/**
 * Width and height from a PNG, JPEG or WebP header, read from the bytes without decoding (no
 * allocation, no trip through libuv's pool): enough to refuse or budget an image before any
 * pixel is decoded. Undefined when the header cannot be read this way.
 */
export function readImageSize(bytes: Uint8Array, format: "png" | "jpeg" | "webp"): ImageSize | undefined {
  const size = format === "png" ? png(bytes) : format === "jpeg" ? jpeg(bytes) : webp(bytes);
  return size && size.width > 0 && size.height > 0 ? size : undefined;
}
