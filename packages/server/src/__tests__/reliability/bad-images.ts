/** Broken, unsupported and oversized images, made with sharp at test time (nothing checked in). */
import sharp from "sharp";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A copy of a PNG whose IHDR claims another size (CRC fixed, so only the size is a lie). */
export function withDeclaredSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  // Signature (8) + IHDR length (4) + "IHDR" (4): width and height follow, then 5 bytes, then the CRC.
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

/** Every bad image the tables use. */
export interface BadImages {
  readonly tinyPng: Buffer;
  readonly pngSignatureOnly: Buffer;
  readonly truncatedPng: Buffer;
  readonly badCrcPng: Buffer;
  readonly zeroWidthPng: Buffer;
  readonly truncatedJpeg: Buffer;
  readonly gif: Buffer;
  readonly tiff: Buffer;
  readonly svg: Buffer;
  /** 8,100 x 8,100 grey PNG (65.6 MP, over the 64 MP default), tens of KiB compressed. */
  readonly pngBomb: Buffer;
  /** The same as WebP. */
  readonly webpBomb: Buffer;
  /** A small PNG whose header claims 20,000 x 20,000 (400 MP: past sharp's own 268 MP limit). */
  readonly liarPng: Buffer;
}

/** Builds {@link BadImages} (about a second: the bombs are real, compressed images). */
export async function createBadImages(): Promise<BadImages> {
  const solid = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#808080" } });
  const tinyPng = await solid(1, 1).png().toBuffer();
  const midPng = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 40 } } }).png().toBuffer();
  const jpeg = await solid(64, 64).jpeg().toBuffer();
  const badCrcPng = Buffer.from(midPng);
  badCrcPng.writeUInt32BE((badCrcPng.readUInt32BE(29) ^ 0xffff) >>> 0, 29);
  return {
    tinyPng,
    pngSignatureOnly: midPng.subarray(0, 8),
    truncatedPng: midPng.subarray(0, Math.floor(midPng.length / 2)),
    badCrcPng,
    zeroWidthPng: withDeclaredSize(midPng, 0, 64),
    truncatedJpeg: jpeg.subarray(0, Math.floor(jpeg.length / 2)),
    gif: await solid(16, 16).gif().toBuffer(),
    tiff: await solid(16, 16).tiff().toBuffer(),
    svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
    pngBomb: await sharp({ create: { width: 8100, height: 8100, channels: 3, background: "#000" } }).greyscale().png({ compressionLevel: 9 }).toBuffer(),
    webpBomb: await sharp({ create: { width: 8100, height: 8100, channels: 3, background: "#000" } }).webp({ lossless: true }).toBuffer(),
    liarPng: withDeclaredSize(midPng, 20_000, 20_000),
  };
}
