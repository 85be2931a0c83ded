import sharp from "sharp";
import { sniffFormat } from "./decode";
import { readImageSize } from "./image-header";

const SIZES = [[1, 1], [37, 5], [640, 480], [3001, 17]] as const;

function image(width: number, height: number, channels: 3 | 4): sharp.Sharp {
  return sharp({ create: { width, height, channels, background: { r: 200, g: 10, b: 90, alpha: 0.5 } } });
}

test.each(SIZES)("the header size of a %ix%i image matches libvips' for every format and layout", async (width, height) => {
  const encodings = [
    image(width, height, 3).png(),
    image(width, height, 4).png(),
    image(width, height, 3).jpeg(),
    image(width, height, 3).jpeg({ progressive: true }),
    image(width, height, 3).jpeg().withMetadata({ orientation: 6 }),
    image(width, height, 3).webp(), // VP8 (lossy)
    image(width, height, 3).webp({ lossless: true }), // VP8L
    image(width, height, 4).webp(), // VP8X (alpha)
  ];
  for (const encoding of encodings) {
    const bytes = await encoding.toBuffer();
    const format = sniffFormat(bytes);
    if (!format) throw new Error("sharp wrote an unknown format");
    expect({ format, size: readImageSize(bytes, format) }).toEqual({ format, size: { width, height } });
  }
});

test("truncated or garbled headers give undefined, never a wrong size", () => {
  expect(readImageSize(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "png")).toBeUndefined();
  expect(readImageSize(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0]), "jpeg")).toBeUndefined();
  expect(readImageSize(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 4, 0, 0]), "jpeg")).toBeUndefined();
  expect(readImageSize(Buffer.from("RIFF\0\0\0\0WEBPXXXX"), "webp")).toBeUndefined();
});
