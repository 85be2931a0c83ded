import { GRPCInferenceServiceService } from "@inferd/grpc-types/inference";
import type { SharedModelRepository } from "../../models/shared-repository";
import type { ServiceContext, ServiceModule } from "../../service-module";
import { createOipService } from "./service";
import { createInferStatistics } from "./statistics";

/**
 * The Open Inference Protocol (KServe v2) over gRPC, on the server's port, over the same model
 * repository as inferd.v1 (loaded once, by whichever module starts first). It reports SERVING
 * once the repository is loaded; it does not close the repository, its owner does.
 */
export function createOipModule(context: ServiceContext, repository: SharedModelRepository): ServiceModule {
  let accepting = true;
  return {
    name: "inference.GRPCInferenceService",
    definition: GRPCInferenceServiceService,
    implementation: createOipService({ repository, statistics: createInferStatistics(), logger: context.logger, accepting: () => accepting }),
    start: () => repository.load(),
    stop() {
      accepting = false;
      return Promise.resolve();
    },
  };
}
