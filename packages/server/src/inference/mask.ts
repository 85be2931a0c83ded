import sharp from "sharp";
import type { TaskMask } from "../tasks/types";
import type { Geometry } from "./geometry";

/**
 * Turns a task's mask (model-output pixels) into a greyscale PNG of the source image's size:
 * the letterbox padding is cut off, then it is scaled with nearest-neighbour sampling so grey
 * levels stay exact class ids.
 */
export async function maskToSourcePng(mask: TaskMask, geometry: Geometry): Promise<Buffer> {
  const sx = mask.width / geometry.inputWidth;
  const sy = mask.height / geometry.inputHeight;
  const left = Math.min(mask.width - 1, Math.max(0, Math.round(geometry.padX * sx)));
  const top = Math.min(mask.height - 1, Math.max(0, Math.round(geometry.padY * sy)));
  const width = Math.max(1, Math.min(mask.width - left, Math.round(geometry.contentWidth * sx)));
  const height = Math.max(1, Math.min(mask.height - top, Math.round(geometry.contentHeight * sy)));
  let image = sharp(mask.data, { raw: { width: mask.width, height: mask.height, channels: 1 } });
  if (left !== 0 || top !== 0 || width !== mask.width || height !== mask.height) image = image.extract({ left, top, width, height });
  return image
    .resize(geometry.sourceWidth, geometry.sourceHeight, { fit: "fill", kernel: "nearest" })
    .toColourspace("b-w")
    .png()
    .toBuffer();
}
