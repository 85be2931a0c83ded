import { DiagnosticsService } from "@inferd/grpc-types/v1";
import type { ServiceContext, ServiceModule } from "../service-module";
import { createDiagnosticsService } from "./diagnostics";
import { createFilesModule } from "./files";
import { shareRepository } from "../models/shared-repository";
import { createInferenceModule, createInferenceRepository } from "./inference";
import { createOipModule } from "./oip/module";
import { registerExecutionMetrics } from "../models/execution-metrics";
import { watchModelHealth } from "../models/model-health";
import { createAvroPipelineModule } from "./avro-pipeline/module";

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
  const inference = createInferenceModule(context, context.inference, repository);
  if (context.metrics.registry && repository.executionStatistics) registerExecutionMetrics(context.metrics.registry, repository.executionStatistics);
  return [
    {
      name: "inferd.v1.Diagnostics",
      definition: DiagnosticsService,
      implementation: createDiagnosticsService() as never,
    },
    createFilesModule(context),
    // Health name model/<name> per model follows its state (SERVING while a version is ready).
    { ...inference, watchHealth: (set) => watchModelHealth(repository, set) },
    createOipModule(context, repository),
    createAvroPipelineModule(context, repository, inference.sharedJobs),
  ];
}
