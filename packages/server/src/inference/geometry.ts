import type { InputConfig } from "../models/config";
import type { Box } from "../tasks/types";

/**
 * How a source image maps into the input tensor: input = source * scale + pad. The inverse
 * maps results back to source-image pixels.
 */
export interface Geometry {
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** The input tensor's spatial size. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /** The resized image inside the tensor (letterbox leaves padding around it). */
  readonly contentWidth: number;
  readonly contentHeight: number;
  readonly padX: number;
  readonly padY: number;
}

/** Works out the tensor size and placement for an image under a model's input config. */
export function planGeometry(sourceWidth: number, sourceHeight: number, input: InputConfig): Geometry {
  const base = { sourceWidth, sourceHeight, padX: 0, padY: 0 };
  if (input.resize === "stretch") {
    return { ...base, inputWidth: input.width, inputHeight: input.height, contentWidth: input.width, contentHeight: input.height };
  }
  if (input.resize === "letterbox") {
    const scale = Math.min(input.width / sourceWidth, input.height / sourceHeight);
    const contentWidth = Math.max(1, Math.min(input.width, Math.round(sourceWidth * scale)));
    const contentHeight = Math.max(1, Math.min(input.height, Math.round(sourceHeight * scale)));
    return {
      ...base,
      inputWidth: input.width,
      inputHeight: input.height,
      contentWidth,
      contentHeight,
      padX: Math.floor((input.width - contentWidth) / 2),
      padY: Math.floor((input.height - contentHeight) / 2),
    };
  }
  // fit: keep the aspect ratio, shrink so the longest side is at most maxSide, then round each
  // side to a multiple of multipleOf (what DBNet-style detectors need). Never enlarges.
  const scale = Math.min(1, input.maxSide / Math.max(sourceWidth, sourceHeight));
  const round = (side: number): number => Math.max(input.multipleOf, Math.round((side * scale) / input.multipleOf) * input.multipleOf);
  const width = round(sourceWidth);
  const height = round(sourceHeight);
  return { ...base, inputWidth: width, inputHeight: height, contentWidth: width, contentHeight: height };
}

/** Maps a box from input-tensor pixels to source-image pixels, clipped to the image. */
export function toSourceBox(box: Box, geometry: Geometry): Box {
  const sx = geometry.contentWidth / geometry.sourceWidth;
  const sy = geometry.contentHeight / geometry.sourceHeight;
  const x0 = clamp((box.x - geometry.padX) / sx, geometry.sourceWidth);
  const y0 = clamp((box.y - geometry.padY) / sy, geometry.sourceHeight);
  const x1 = clamp((box.x + box.width - geometry.padX) / sx, geometry.sourceWidth);
  const y1 = clamp((box.y + box.height - geometry.padY) / sy, geometry.sourceHeight);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function clamp(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}
