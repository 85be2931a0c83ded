import { PipelineService } from "@inferd/grpc-types/avro";
import type { JobEngine } from "../../jobs/job-engine";
import type { ModelRepository } from "../../models/repository";
import type { ServiceContext, ServiceModule } from "../../service-module";
import { createAvroPipelineService } from "./service";

/** The job engine a protocol module shares with the Inference module that owns it. */
export interface SharedJobs {
  readonly jobs: JobEngine;
  /** True once the owner replayed the journal and started the workers. */
  ready(): boolean;
  /** Resolves when {@link ready} turns true. */
  whenReady(): Promise<void>;
}

/**
 * inferd.avro.Pipeline: Avro-encoded Init/Monitor/Cancel over the same job manager and model
 * repository as inferd.v1 (owned and started by the Inference module), on the same port.
 * It reports SERVING once the jobs are ready; calls made before answer UNAVAILABLE, as inferd.v1's do.
 */
export function createAvroPipelineModule(context: ServiceContext, repository: ModelRepository, shared: SharedJobs): ServiceModule {
  return {
    name: "inferd.avro.Pipeline",
    // The codecs of @inferd/grpc-types/avro refuse impossible block counts before avsc allocates them.
    definition: PipelineService,
    implementation: createAvroPipelineService({ context, repository, jobs: shared.jobs, jobsReady: () => shared.ready() }),
    // Avro messages have no protobuf descriptors for grpc.reflection to serve.
    reflection: false,
    // Health turns SERVING when jobs can be submitted, not before.
    start: () => shared.whenReady(),
  };
}
