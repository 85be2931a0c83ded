/**
 * A colour for drawing a class, "#rrggbb": hues spaced by the golden angle so neighbouring
 * class ids differ clearly, and a pure function of the id, so it is the same on every call,
 * every server and every restart.
 */
export function classColor(classId: number): string {
  const hue = (classId * 137.508 + 15) % 360;
  const [r, g, b] = hslToRgb(hue, 0.7, 0.5);
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const h = hue / 60;
  const x = chroma * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] = h < 1 ? [chroma, x, 0] : h < 2 ? [x, chroma, 0] : h < 3 ? [0, chroma, x] : h < 4 ? [0, x, chroma] : h < 5 ? [x, 0, chroma] : [chroma, 0, x];
  const m = lightness - chroma / 2;
  return [r, g, b].map((c) => Math.round((c + m) * 255)) as [number, number, number];
}
