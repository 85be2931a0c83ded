import { DiagnosticsService } from "@inferd/grpc-types/v1";
import type { ServiceContext, ServiceModule } from "../service-module";
import { createDiagnosticsService } from "./diagnostics";
import { createFilesModule } from "./files";
import { shareRepository } from "../models/shared-repository";
import { createInferenceModule, createInferenceRepository } from "./inference";
import { createOipModule } from "./oip/module";
import { watchModelHealth } from "../models/model-health";
import { createAvroPipelineModule } from "./avro-pipeline/module";
import { createResponseCache, DEFAULT_RESPONSE_CACHE_MB } from "../models/response-cache";
import { registerResponseCacheMetrics } from "../metrics/response-cache-metrics";

/**
 * THE place where services are added to the server. Each module brings its definition,
 * implementation, optional start-up work (health turns SERVING after it) and shutdown.
 */
export function createServiceModules(context: ServiceContext): ServiceModule[] {
  // One repository for every protocol: inferd.v1 Inference and OIP serve the same loaded models.
  const control = context.inference ?? {};
  const repository = shareRepository(createInferenceRepository(context), {
    mode: control.modelControlMode ?? "none",
    ...(control.repositoryPollMs !== undefined ? { pollMs: control.repositoryPollMs } : {}),
    logger: context.logger,
  });
  // One response cache for every protocol too: Infer, Run and ModelInfer count in the same statistics.
  const responseCache = createResponseCache({ maxBytes: control.responseCacheBytes ?? DEFAULT_RESPONSE_CACHE_MB * 1024 * 1024 });
  if (context.metrics.registry) registerResponseCacheMetrics(context.metrics.registry, responseCache);
  const inference = createInferenceModule(context, context.inference, repository, responseCache);
  return [
    {
      name: "inferd.v1.Diagnostics",
      definition: DiagnosticsService,
      implementation: createDiagnosticsService() as never,
    },
    createFilesModule(context),
    // Health name model/<name> per model follows its state (SERVING while a version is ready).
    { ...inference, watchHealth: (set) => watchModelHealth(repository, set) },
    createOipModule(context, repository, responseCache),
    createAvroPipelineModule(context, repository, inference.sharedJobs),
  ];
}
