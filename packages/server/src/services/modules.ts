import { DiagnosticsService } from "@inferd/grpc-types/v1";
import { implementService } from "../implement-service";
import { watchModelHealth } from "../models/model-health";
import type { ServiceContext, ServiceModule } from "../service-module";
import { createAvroPipelineModule } from "./avro-pipeline/module";
import { createDiagnosticsService } from "./diagnostics";
import { createFilesModule } from "./files";
import { createInferenceModule } from "./inference";
import { createOipModule } from "./oip/module";
import { registerResponseCacheMetrics } from "../metrics/response-cache-metrics";
import { registerExecutionMetrics } from "../models/execution-metrics";

/**
 * THE place where services are added to the server. Each module brings its definition and
 * implementation (checked against each other by implementService), optional start-up work
 * (health turns SERVING after it) and shutdown. Modules that serve models take them, and the
 * jobs, from `context.engine`: one registry for every protocol, so no model loads twice.
 */
export function createServiceModules(context: ServiceContext): ServiceModule[] {
  const models = context.engine.models;
  if (context.metrics.registry) registerResponseCacheMetrics(context.metrics.registry, models.responseCache);
  if (context.metrics.registry) registerExecutionMetrics(context.metrics.registry, models.executionStatistics);
  return [
    { name: "inferd.v1.Diagnostics", ...implementService(DiagnosticsService, createDiagnosticsService()) },
    createFilesModule(context),
    // Health name model/<name> per model follows its state (SERVING while a version is ready).
    // With --redis the job engine's dependency is reported too (health name "redis").
    {
      ...createInferenceModule(context),
      watchHealth: (set) => {
        const stopModels = watchModelHealth(models, set);
        const stopJobs = context.engine.jobs.watchHealth?.(set);
        return () => {
          stopModels();
          stopJobs?.();
        };
      },
    },
    createOipModule(context),
    createAvroPipelineModule(context),
  ];
}
