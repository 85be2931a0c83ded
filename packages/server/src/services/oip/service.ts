import type { Admission } from "../../inference/admission";
import type { sendUnaryData, ServerUnaryCall } from "@grpc/grpc-js";
import type { GRPCInferenceServiceServer, ModelStatistics } from "@inferd/grpc-types/inference";
import { InferdError, toServiceError } from "../../errors";
import type { Logger } from "../../logger";
import type { ModelRegistry } from "../../engine/model-registry";
import { SERVER_VERSION } from "../../version";
import { modelConfig, modelMetadata, repositoryIndex } from "./describe";
import { createCallContext } from "../../lifecycle/call-context";
import { createModelInfer } from "./infer";
import { createRepositoryControl } from "./repository-control";
import { quote } from "../../quote";

/** Protocol extensions inferd implements in full (ServerMetadata reports exactly these). */
export const OIP_EXTENSIONS: readonly string[] = ["model_configuration", "model_repository", "statistics"];

/** What {@link createOipService} works with. */
export interface OipServiceDeps {
  /** The engine's model registry (models, readiness, load/unload, statistics). */
  readonly models: ModelRegistry;
  /** Per-version bound on running and waiting model runs, shared with inferd.v1 Infer. */
  readonly admission: Admission;
  readonly logger: Logger;
  /** False once the server is shutting down: ServerReady then answers false. */
  readonly accepting: () => boolean;
  /** Pixel limit of encoded images sent to image-task models. */
  readonly maxImagePixels?: number | undefined;
}

/** Runs a unary handler body, mapping anything it throws through the one error table. */
function unary<Req, Res>(body: (request: Req) => Res | Promise<Res>): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    Promise.resolve()
      .then(() => body(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
  };
}

/**
 * The statistics of the ready versions of one model (or every model when `name` is empty),
 * of one version when `version` is set. Throws NOT_FOUND for an unknown model or version.
 */
export function selectStatistics(registry: ModelRegistry, name: string, version: string): ModelStatistics[] {
  const all = registry.list();
  const models = name === "" ? all : all.filter((m) => m.name === name);
  if (name !== "" && models.length === 0) throw new InferdError("not-found", `model ${quote(name)} is not in the repository; see RepositoryIndex`);
  const stats: ModelStatistics[] = [];
  for (const model of models) {
    const versions = model.versions.filter((v) => v.state === "ready" && (version === "" || v.version === version));
    if (version !== "" && versions.length === 0) {
      throw new InferdError("not-found", `model "${model.name}" has no ready version ${quote(version)}; see RepositoryIndex`);
    }
    for (const v of versions) stats.push(registry.statistics.get(model.name, v.version));
  }
  return stats;
}

/** The handlers of inference.GRPCInferenceService over the engine's model registry. */
export function createOipService({ models, admission, logger, accepting, maxImagePixels }: OipServiceDeps): GRPCInferenceServiceServer {
  const infer = createModelInfer({ models, admission, maxImagePixels });
  const control = createRepositoryControl(models);
  const isReady = (name: string, version: string): boolean => {
    try {
      models.resolve(name, version);
      return true;
    } catch {
      return false;
    }
  };
  const statusOf = (name: string) => models.list().find((m) => m.name === name);
  const requireModel = (name: string): void => {
    if (name === "") throw new InferdError("invalid-argument", "name is empty; name a model from RepositoryIndex");
  };

  return {
    serverLive: unary(() => ({ live: true })),
    serverReady: unary(() => ({ ready: accepting() && models.loaded() })),
    modelReady: unary((request) => ({ ready: accepting() && isReady(request.name, request.version) })),
    serverMetadata: unary(() => ({ name: "inferd", version: SERVER_VERSION, extensions: [...OIP_EXTENSIONS] })),

    modelMetadata: unary((request) => {
      requireModel(request.name);
      return modelMetadata(models.resolve(request.name, request.version), statusOf(request.name));
    }),

    modelConfig: unary((request) => {
      requireModel(request.name);
      return { config: modelConfig(models.resolve(request.name, request.version)) };
    }),

    modelInfer(call, callback) {
      const context = createCallContext(call);
      Promise.resolve()
        .then(() => infer(call.request, context.signal))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(toServiceError(error)),
        )
        .finally(() => context.dispose());
    },

    modelStreamInfer(call) {
      // One request at a time, answered in order; a failed one is answered in-band and the
      // stream goes on. The stream ends once the client ended it and every answer is written.
      let chain = Promise.resolve();
      call.on("data", (request: Parameters<typeof infer>[0]) => {
        chain = chain.then(async () => {
          if (call.cancelled) return;
          try {
            call.write({ errorMessage: "", inferResponse: await infer(request) });
          } catch (error) {
            const mapped = toServiceError(error);
            if (mapped.cause !== undefined) logger.error({ err: mapped.cause, model: request.modelName }, "ModelStreamInfer request failed");
            call.write({ errorMessage: mapped.details });
          }
        });
      });
      call.on("end", () => {
        void chain.then(() => call.end());
      });
    },

    modelStatistics: unary((request) => ({ modelStats: selectStatistics(models, request.name, request.version) })),

    repositoryIndex: unary(async (request) => {
      await models.discover();
      return { models: repositoryIndex(models.list(), request.ready) };
    }),

    // Answered once the model serves (or, unloading, once its running calls finished).
    repositoryModelLoad: unary(async (request) => {
      await control.load(request.modelName, Object.keys(request.parameters));
      return {};
    }),
    repositoryModelUnload: unary(async (request) => {
      await control.unload(request.modelName, Object.keys(request.parameters));
      return {};
    }),
  };
}
