import { PipelineService } from "@inferd/grpc-types/avro";
import { implementService } from "../../implement-service";
import type { ServiceContext, ServiceModule } from "../../service-module";
import { createAvroPipelineService } from "./service";

/**
 * inferd.avro.Pipeline: Avro-encoded Init/Monitor/Cancel over the engine's job manager and
 * model registry (the same as inferd.v1's), on the same port. It reports SERVING once the
 * engine is ready; calls made before answer UNAVAILABLE, as inferd.v1's do.
 */
export function createAvroPipelineModule(context: ServiceContext): ServiceModule {
  const { engine } = context;
  return {
    name: "inferd.avro.Pipeline",
    // The codecs of @inferd/grpc-types/avro refuse impossible block counts before avsc allocates them.
    ...implementService(
      PipelineService,
      createAvroPipelineService({ context, repository: engine.models, jobs: engine.jobs, jobsReady: () => engine.ready() }),
    ),
    // Avro messages have no protobuf descriptors for grpc.reflection to serve.
    reflection: false,
    // Health turns SERVING when jobs can be submitted, not before.
    start: () => engine.whenReady(),
  };
}
