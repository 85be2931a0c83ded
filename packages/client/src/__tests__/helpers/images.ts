import sharp from "sharp";

/** Renders black text on white as a PNG: a real input for the bundled PP-OCRv4 detector. */
export function renderTextPng(lines: readonly string[], width = 480, height = 200): Promise<Buffer> {
  const text = lines
    .map((line, index) => `<text x="24" y="${60 + index * 70}" font-family="sans-serif" font-size="44" fill="#000">${line}</text>`)
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
