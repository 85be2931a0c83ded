import sharp from "sharp";
import { decodeImage, measureImage, sniffFormat } from "./decode";

/** A width×height black image with a white 2×2 block in its top-left corner. */
function cornerImage(width: number, height: number): sharp.Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  for (const [x, y] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) pixels.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

test("PNG, JPEG and WebP decode to packed RGB of the image's size", async () => {
  for (const encoded of [cornerImage(6, 4).png(), cornerImage(6, 4).jpeg(), cornerImage(6, 4).webp({ lossless: true })]) {
    const bytes = await encoded.toBuffer();
    const image = await decodeImage(bytes);
    expect({ width: image.width, height: image.height, length: image.data.length }).toEqual({ width: 6, height: 4, length: 6 * 4 * 3 });
  }
});

test("EXIF orientation is applied: a 6x4 image tagged 'rotate 90° clockwise' decodes upright as 4x6", async () => {
  const bytes = await cornerImage(6, 4).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
  const image = await decodeImage(bytes);
  expect({ width: image.width, height: image.height }).toEqual({ width: 4, height: 6 });
  // Rotating clockwise moves the top-left corner to the top-right.
  expect(image.data[3 * 3]).toBeGreaterThan(128);
  expect(image.data[0]).toBeLessThan(128);
});

test("an image over the pixel limit is resource-exhausted, for each format", async () => {
  for (const encoded of [cornerImage(20, 20).png(), cornerImage(20, 20).jpeg(), cornerImage(20, 20).webp()]) {
    await expect(decodeImage(await encoded.toBuffer(), 399)).rejects.toMatchObject({ kind: "resource-exhausted" });
    await expect(decodeImage(await encoded.toBuffer(), 400)).resolves.toMatchObject({ width: 20, height: 20 });
  }
});

test("other formats, truncated files and non-images are invalid-argument", async () => {
  const gif = await cornerImage(4, 4).gif().toBuffer();
  const png = await cornerImage(64, 64).png().toBuffer();
  const truncated = png.subarray(0, png.length >> 1);
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`);
  const fakeJpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0]);
  for (const bytes of [gif, truncated, svg, fakeJpeg, Buffer.from("not an image"), Buffer.alloc(0)]) {
    await expect(decodeImage(bytes)).rejects.toMatchObject({ kind: "invalid-argument" });
  }
});

test("sniffFormat recognises the three accepted signatures and nothing else", async () => {
  expect(sniffFormat(await cornerImage(2, 2).png().toBuffer())).toBe("png");
  expect(sniffFormat(await cornerImage(2, 2).jpeg().toBuffer())).toBe("jpeg");
  expect(sniffFormat(await cornerImage(2, 2).webp().toBuffer())).toBe("webp");
  expect(sniffFormat(await cornerImage(2, 2).gif().toBuffer())).toBeUndefined();
  expect(sniffFormat(Buffer.from("RIFF\0\0\0\0WAVE"))).toBeUndefined();
});

/** A PNG whose header says width×height (CRC fixed, so libpng accepts the header) over one tiny image's data. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await cornerImage(4, 4).png().toBuffer());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

test("an image over sharp's own 268-megapixel limit is resource-exhausted like any image over the limit", async () => {
  // 20000 x 20000 = 400 MP: past sharp's default limit, which used to make it look undecodable.
  await expect(decodeImage(await pngClaiming(20_000, 20_000))).rejects.toMatchObject({ kind: "resource-exhausted" });
  await expect(measureImage(await pngClaiming(20_000, 20_000))).rejects.toMatchObject({ kind: "resource-exhausted" });
  // Under the limit, the same lie in the header is found out by decoding: invalid-argument.
  await expect(decodeImage(await pngClaiming(100, 100))).rejects.toMatchObject({ kind: "invalid-argument" });
});
