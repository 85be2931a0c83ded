/** Test images drawn with sharp from SVG. */
import sharp from "sharp";

/** Renders an SVG body on a canvas of the given size and background to PNG. */
export function renderSvg(width: number, height: number, body: string, background = "#000"): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${background}"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Words drawn at (x, baseline y) in a font size, for text-detection tests. */
export const PAGE_WORDS = [
  { text: "INVOICE", x: 60, y: 110, size: 64 },
  { text: "Total due", x: 520, y: 300, size: 40 },
  { text: "42.00 EUR", x: 120, y: 480, size: 48 },
] as const;

/** A 900x600 light page with {@link PAGE_WORDS} in dark type. */
export function renderTextPage(): Promise<Buffer> {
  const texts = PAGE_WORDS.map((w) => `<text x="${w.x}" y="${w.y}" font-family="DejaVu Sans, sans-serif" font-size="${w.size}" fill="#111">${w.text}</text>`);
  return renderSvg(900, 600, texts.join(""), "#fafafa");
}

/** Reads a PNG's first channel as raw grey levels. */
export async function greyLevels(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
