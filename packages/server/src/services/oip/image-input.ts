import { invalidArgument } from "../../errors";
import { decodeImage } from "../../inference/decode";
import { preprocess } from "../../inference/preprocess";
import type { ResolvedModel } from "../../models/repository";
import type { TensorSignature } from "../../models/runtime";
import type { RuntimeTensor } from "../../tensors/ort-bridge";
import type { HostTensor } from "../../tensors/tensor";

/**
 * True when a request input is an encoded image for an image-task model: BYTES given for the
 * model's FP32 image input (like OpenVINO Model Server, the server then runs the model's own
 * preprocessing from its config.json).
 */
export function isImageInput(model: ResolvedModel, signature: TensorSignature, datatype: string): boolean {
  return model.config.task !== "tensor" && signature.name === model.inputName && datatype === "BYTES" && signature.dataType === "float32";
}

/** Decodes one PNG, JPEG or WebP (a BYTES tensor of one element) into the model's input tensor. */
export async function imageToTensor(what: string, model: ResolvedModel, tensor: HostTensor, maxImagePixels: number | undefined): Promise<RuntimeTensor> {
  if (tensor.datatype !== "BYTES" || tensor.data.length !== 1) {
    throw invalidArgument(`${what}: send one encoded image (a BYTES tensor of shape [1]); got ${tensor.data.length} elements`);
  }
  const decoded = await decodeImage(tensor.data[0] as Uint8Array, maxImagePixels);
  const { tensor: input } = await preprocess(decoded, model.config.input);
  return { type: "float32", data: input.data, dims: input.dims };
}
