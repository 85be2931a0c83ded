import { PipelineService } from "@inferd/grpc-types/avro";
import type { JobManager } from "../../jobs/job-manager";
import type { ModelRepository } from "../../models/repository";
import type { ServiceContext, ServiceModule } from "../../service-module";
import { createAvroPipelineService } from "./service";

/** The job manager a protocol module shares with the Inference module that owns it. */
export interface SharedJobs {
  readonly jobs: JobManager;
  /** True once the owner replayed the journal and started the workers. */
  ready(): boolean;
}

/**
 * inferd.avro.Pipeline: Avro-encoded Init/Monitor/Cancel over the same job manager and model
 * repository as inferd.v1 (owned and started by the Inference module), on the same port.
 * Calls made before the jobs are ready answer UNAVAILABLE, as inferd.v1's job calls do.
 */
export function createAvroPipelineModule(context: ServiceContext, repository: ModelRepository, shared: SharedJobs): ServiceModule {
  return {
    name: "inferd.avro.Pipeline",
    definition: PipelineService,
    implementation: createAvroPipelineService({ context, repository, jobs: shared.jobs, jobsReady: () => shared.ready() }),
  };
}
