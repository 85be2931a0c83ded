import { ModelInferRequest, type ModelInferResponse } from "@inferd/grpc-types/inference";
import { InferdError, invalidArgument } from "../../errors";
import type { ModelRegistry } from "../../engine/model-registry";
import type { Admission } from "../../inference/admission";
import type { ResolvedModel } from "../../models/repository";
import { digestOf } from "../../models/response-cache";
import type { InferTimings } from "../../engine/statistics";
import type { TensorSignature } from "../../models/runtime";
import { emptyContents, decodeContents } from "../../tensors/contents-codec";
import { datatypeOfOrt, isOipDatatype } from "../../tensors/datatypes";
import { fromRuntimeTensor, toRuntimeTensor, type RuntimeTensor } from "../../tensors/ort-bridge";
import { decodeRaw, encodeRaw } from "../../tensors/raw-codec";
import { checkShape, toShape } from "../../tensors/shape";
import type { HostTensor } from "../../tensors/tensor";
import { imageToTensor, isImageInput } from "./image-input";
import { quote } from "../../quote";

/** The protocol datatype of a model tensor (its onnxruntime type when the protocol has none). */
export function datatypeOf(signature: TensorSignature): string {
  return datatypeOfOrt(signature.dataType) ?? signature.dataType.toUpperCase();
}

const names = (list: readonly TensorSignature[]): string => list.map((t) => t.name).join(", ") || "none";

/** Checks and decodes the request's inputs into onnxruntime feeds, in the model's terms. */
async function decodeInputs(model: ResolvedModel, request: ModelInferRequest, maxImagePixels: number | undefined): Promise<Map<string, RuntimeTensor>> {
  const { inputs, rawInputContents } = request;
  const useRaw = rawInputContents.length > 0;
  if (useRaw && rawInputContents.length !== inputs.length) {
    throw invalidArgument(`raw_input_contents has ${rawInputContents.length} entries for ${inputs.length} inputs; send one per input, in the order of inputs`);
  }
  const feeds = new Map<string, RuntimeTensor>();
  const images: { what: string; name: string; tensor: HostTensor }[] = [];
  inputs.forEach((input, i) => {
    const what = `input ${quote(input.name)}`;
    const signature = model.session.inputs.find((s) => s.name === input.name);
    if (!signature) throw invalidArgument(`${what}: model "${model.name}" has no such input; its inputs are ${names(model.session.inputs)}`);
    if (feeds.has(input.name) || images.some((image) => image.name === input.name)) throw invalidArgument(`${what} is given twice`);
    const expected = datatypeOf(signature);
    if (!isOipDatatype(input.datatype)) throw invalidArgument(`${what}: ${quote(input.datatype)} is not a datatype of the inference protocol; the model takes ${expected}`);
    const image = isImageInput(model, signature, input.datatype);
    if (!image && input.datatype !== expected) throw invalidArgument(`${what}: datatype is ${input.datatype}; the model takes ${expected}`);
    const shape = toShape(what, input.shape);
    if (!image) checkShape(what, signature.shape, shape);
    const raw = rawInputContents[i];
    if (useRaw && input.contents && Object.values(input.contents).some((field: unknown[]) => field.length > 0)) {
      throw invalidArgument(`${what}: contents is set while the request uses raw_input_contents; use one or the other`);
    }
    const tensor = raw !== undefined ? decodeRaw(what, input.datatype, shape, raw) : decodeContents(what, input.datatype, shape, input.contents ?? emptyContents());
    if (image) images.push({ what, name: input.name, tensor });
    else feeds.set(input.name, toRuntimeTensor(what, tensor));
  });
  const given = new Set([...feeds.keys(), ...images.map((image) => image.name)]);
  const missing = model.session.inputs.filter((s) => !given.has(s.name));
  if (missing.length > 0) throw invalidArgument(`model "${model.name}" needs input(s) ${names(missing)}; the request has ${[...given].join(", ") || "none"}`);
  for (const { what, name, tensor } of images) feeds.set(name, await imageToTensor(what, model, tensor, maxImagePixels));
  return feeds;
}

/** The outputs to return: the requested ones, or every output of the model. */
function requestedOutputs(model: ResolvedModel, request: ModelInferRequest): string[] {
  if (request.outputs.length === 0) return model.session.outputs.map((o) => o.name);
  const wanted: string[] = [];
  for (const { name } of request.outputs) {
    if (!model.session.outputs.some((o) => o.name === name)) {
      throw invalidArgument(`output ${quote(name)}: model "${model.name}" has no such output; its outputs are ${names(model.session.outputs)}`);
    }
    if (wanted.includes(name)) throw invalidArgument(`output ${quote(name)} is requested twice`);
    wanted.push(name);
  }
  return wanted;
}

const elapsed = (from: bigint): bigint => process.hrtime.bigint() - from;

/**
 * onnxruntime's own refusal of this request's values (e.g. two dynamic batch sizes that do not
 * broadcast), which the checks before running cannot see: the caller's to fix, and its message
 * says what is wrong. Anything else (a dead worker thread, ...) stays internal.
 */
function runFailure(model: string, error: unknown): unknown {
  // Not `instanceof Error`: an inline session's error comes from onnxruntime's realm, which
  // differs from the caller's under test runners with their own realm (jest).
  const message = typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string" ? (error as Error).message : "";
  if (!message.startsWith("Non-zero status code returned while running")) return error;
  return new InferdError("invalid-argument", `model "${model}" cannot run on these inputs: ${message}`, { cause: error });
}

/** What {@link createModelInfer} works with. */
export interface ModelInferDeps {
  /** Where the model versions are resolved and each request is counted. */
  readonly models: ModelRegistry;
  /**
   * The engine's per-version bound on running and waiting calls (--infer-concurrency,
   * --infer-queue-size), shared with inferd.v1 Infer: a request is admitted before its inputs
   * are decoded or looked up in the response cache.
   */
  readonly admission: Admission;
  /** Largest encoded image (width x height) an image-task model's BYTES input may decode to. */
  readonly maxImagePixels?: number | undefined;
}

/** What the cache keeps of a ModelInfer answer: the outputs (id and parameters come from each request). */
type CachedOutputs = Pick<ModelInferResponse, "outputs" | "rawOutputContents">;

/**
 * The cache key of a request, within its resolved model version: every input's name, datatype,
 * shape and contents, the requested outputs and the parameters (the request's protobuf encoding
 * without id and model name/version, then each raw input). An encoded image is an input's bytes,
 * so a repeated image hits too.
 */
function requestDigest(request: ModelInferRequest): string {
  const described = ModelInferRequest.encode({ ...request, id: "", modelName: "", modelVersion: "", rawInputContents: [] }).finish();
  return digestOf([described, ...request.rawInputContents]);
}

/**
 * ModelInfer: resolves the model version, checks every input (name, datatype, shape, byte
 * length) before running anything (an image-task model's image input may instead be one
 * encoded PNG/JPEG/WebP as BYTES, preprocessed as its config.json says), runs the session's tensor entry point and returns the
 * requested outputs as raw_output_contents, with the request's id and parameters echoed.
 */
export function createModelInfer({ models, admission, maxImagePixels }: ModelInferDeps): (request: ModelInferRequest, signal?: AbortSignal) => Promise<ModelInferResponse> {
  // The registry's response cache answers repeated requests of models whose config enables it.
  const responseCache = models.responseCache;
  const tensorCache = responseCache.space<CachedOutputs>("tensor");
  // `signal`: the call's cancellation/deadline; a request aborted while it waits for a batch never runs.
  return async (request, signal) => {
    if (request.modelName === "") throw invalidArgument("model_name is empty; name a model from RepositoryIndex");
    // Admitted on the version that serves it now (bounded running + waiting, shared with Infer;
    // a call cancelled or past its deadline while waiting never runs), then resolved again: a
    // reload or removal while it waited must not leave it holding a drained session.
    const admitted = models.resolve(request.modelName, request.modelVersion);
    const release = await admission.admit(`${admitted.name}\u0000${admitted.version}`, signal);
    try {
      return await inferAdmitted(request, signal);
    } finally {
      release();
    }
  };

  async function inferAdmitted(request: ModelInferRequest, signal: AbortSignal | undefined): Promise<ModelInferResponse> {
    const model = models.resolve(request.modelName, request.modelVersion);
    const started = process.hrtime.bigint();
    try {
      const runTensors = model.session.runTensors;
      if (!runTensors) throw new InferdError("unavailable", `model "${model.name}" runs in a runtime without tensor inputs`);
      let timings: InferTimings | undefined;
      const compute = async (): Promise<CachedOutputs> => {
        const feeds = await decodeInputs(model, request, maxImagePixels);
        const outputNames = requestedOutputs(model, request);
        const decoded = process.hrtime.bigint();
        const results = await runTensors(feeds, outputNames, signal).catch((error: unknown) => {
          throw runFailure(model.name, error);
        });
        const inferred = process.hrtime.bigint();
        const computed: CachedOutputs = { outputs: [], rawOutputContents: [] };
        for (const name of outputNames) {
          const result = results.get(name);
          if (!result) throw new Error(`the model produced no output "${name}"`);
          const tensor = fromRuntimeTensor(`output "${name}"`, result);
          computed.outputs.push({ name, datatype: tensor.datatype, shape: tensor.shape.map(BigInt), parameters: {} });
          computed.rawOutputContents.push(encodeRaw(tensor));
        }
        timings = { inputNs: decoded - started, inferNs: inferred - decoded, outputNs: process.hrtime.bigint() - inferred };
        return computed;
      };
      const { value } = responseCache.enabledFor(model)
        ? await tensorCache.through(model, requestDigest(request), async () => {
            const computed = await compute();
            // The backing buffers, not the views: that is what the entry keeps alive.
            return { value: computed, bytes: computed.rawOutputContents.reduce((sum, raw) => sum + raw.buffer.byteLength, 0) };
          })
        : { value: await compute() };
      const response: ModelInferResponse = {
        modelName: model.name,
        modelVersion: model.version,
        id: request.id,
        parameters: request.parameters,
        // Fresh arrays: the cached ones are shared by every answer they serve.
        outputs: [...value.outputs],
        rawOutputContents: [...value.rawOutputContents],
      };
      const done = process.hrtime.bigint();
      if (timings) models.statistics.success(model.name, model.version, done - started, timings);
      else models.statistics.cached(model.name, model.version, done - started);
      return response;
    } catch (error) {
      models.statistics.fail(model.name, model.version, elapsed(started));
      throw error;
    }
  }
}
