import sharp from "sharp";
import type { InputConfig } from "../models/config";
import type { FloatTensor } from "../models/runtime";
import type { DecodedImage } from "./decode";
import { planGeometry, type Geometry } from "./geometry";

/** The input tensor for one image and how it was placed. */
export interface Preprocessed {
  readonly tensor: FloatTensor;
  readonly geometry: Geometry;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Resizes (sharp, off the event loop) and normalises an image into the model's input tensor:
 * value = (pixel * scale - mean[c]) / std[c], channels in the configured colour order, laid out
 * NCHW or NHWC with a batch of one.
 */
export async function preprocess(image: DecodedImage, input: InputConfig): Promise<Preprocessed> {
  const geometry = planGeometry(image.width, image.height, input);
  const { inputWidth: width, inputHeight: height, contentWidth, contentHeight, padX, padY } = geometry;
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (contentWidth !== image.width || contentHeight !== image.height) {
    pipeline = pipeline.resize(contentWidth, contentHeight, { fit: "fill" });
  }
  if (width !== contentWidth || height !== contentHeight) {
    const pad = input.padValue;
    pipeline = pipeline.extend({
      left: padX,
      top: padY,
      right: width - contentWidth - padX,
      bottom: height - contentHeight - padY,
      background: { r: pad, g: pad, b: pad },
    });
  }
  const pixels = width === image.width && height === image.height ? image.data : await pipeline.raw().toBuffer();

  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const order = input.colorOrder === "RGB" ? [0, 1, 2] : [2, 1, 0];
  const nchw = input.layout === "NCHW";
  for (let c = 0; c < 3; c++) {
    // One channel of a 960-pixel input is ~1M values, a few milliseconds: let other calls
    // (health, Ping) in between channels rather than after all three.
    if (c > 0) await yieldToEventLoop();
    const source = order[c] as number;
    const factor = input.scale / input.std[c]!;
    const offset = input.mean[c]! / input.std[c]!;
    for (let i = 0; i < plane; i++) {
      data[nchw ? c * plane + i : i * 3 + c] = (pixels[i * 3 + source] as number) * factor - offset;
    }
  }
  const dims = nchw ? [1, 3, height, width] : [1, height, width, 3];
  return { tensor: { data, dims }, geometry };
}
