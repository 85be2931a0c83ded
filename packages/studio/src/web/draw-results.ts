/**
 * Draws an image and its results on a canvas: boxes in the class colour with "label 0.93"
 * tags, the highlighted result thicker, and the mask as a translucent overlay.
 */
import type { InferResult } from "@inferd/grpc-types/v1";

/** What one render shows. */
export interface Scene {
  readonly image: CanvasImageSource & { readonly width: number; readonly height: number };
  readonly results: readonly InferResult[];
  /** Index into `results` of the hovered row/box, or -1. */
  readonly highlight: number;
  /** The mask, already tinted, or undefined when hidden or absent. */
  readonly mask?: CanvasImageSource | undefined;
}

/** Box line width in image pixels, so boxes look the same on small and large images. */
export function lineWidth(width: number, height: number): number {
  return Math.max(2, Math.round(Math.max(width, height) / 400));
}

/** Renders `scene` at the image's own size (the CSS scales the canvas). */
export function drawScene(canvas: HTMLCanvasElement, scene: Scene): void {
  const { image } = scene;
  canvas.width = image.width;
  canvas.height = image.height;
  const g = canvas.getContext("2d");
  if (!g) return;
  g.drawImage(image, 0, 0);
  if (scene.mask) {
    g.globalAlpha = 0.45;
    g.drawImage(scene.mask, 0, 0, image.width, image.height);
    g.globalAlpha = 1;
  }
  const base = lineWidth(image.width, image.height);
  const font = Math.max(12, base * 6);
  g.font = `${font}px system-ui, sans-serif`;
  g.textBaseline = "bottom";
  scene.results.forEach((result, index) => {
    const box = result.box;
    if (!box) return;
    const width = index === scene.highlight ? base * 2 : base;
    g.strokeStyle = result.color || "#ff0000";
    g.lineWidth = width;
    // Stroke inside the box so the outer edge lies on the reported box edge.
    g.strokeRect(box.x + width / 2, box.y + width / 2, Math.max(box.width - width, 0), Math.max(box.height - width, 0));
    const tag = `${result.label} ${result.confidence.toFixed(2)}`;
    const tagWidth = g.measureText(tag).width + 6;
    const top = box.y - font - 4 >= 0 ? box.y : box.y + box.height + font + 4;
    g.fillStyle = result.color || "#ff0000";
    g.fillRect(box.x, top - font - 4, tagWidth, font + 4);
    g.fillStyle = "#ffffff";
    g.fillText(tag, box.x + 3, top - 2);
  });
}

/** Index of the topmost result whose box contains (x, y) in image pixels, or -1. */
export function hitTest(results: readonly InferResult[], x: number, y: number): number {
  let best = -1;
  let bestArea = Infinity;
  results.forEach((r, i) => {
    const b = r.box;
    if (!b || x < b.x || y < b.y || x > b.x + b.width || y > b.y + b.height) return;
    const area = b.width * b.height;
    if (area < bestArea) {
      best = i;
      bestArea = area;
    }
  });
  return best;
}

/** Turns the server's grey-level mask PNG into a tinted overlay (non-zero pixels coloured). */
export async function tintMask(png: Uint8Array, color = [255, 0, 170]): Promise<HTMLCanvasElement> {
  const bitmap = await createImageBitmap(new Blob([new Uint8Array(png)], { type: "image/png" }));
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const g = canvas.getContext("2d");
  if (!g) return canvas;
  g.drawImage(bitmap, 0, 0);
  const pixels = g.getImageData(0, 0, canvas.width, canvas.height);
  const d = pixels.data;
  for (let i = 0; i < d.length; i += 4) {
    const on = (d[i] ?? 0) > 0;
    d[i] = color[0] ?? 255;
    d[i + 1] = color[1] ?? 0;
    d[i + 2] = color[2] ?? 170;
    d[i + 3] = on ? 255 : 0;
  }
  g.putImageData(pixels, 0, 0);
  return canvas;
}
