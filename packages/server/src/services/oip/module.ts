import { GRPCInferenceServiceService } from "@inferd/grpc-types/inference";
import type { SharedModelRepository } from "../../models/shared-repository";
import type { ServiceContext, ServiceModule } from "../../service-module";
import { serveOipHttp, type OipHttpEndpoint } from "./rest/http-server";
import { createOipService } from "./service";
import { createInferStatistics } from "./statistics";

/**
 * The Open Inference Protocol (KServe v2): over gRPC on the server's port, and over REST on
 * `context.http` when set, both over the same model repository as inferd.v1 (loaded once, by
 * whichever module starts first) and one statistics table. It reports SERVING once the
 * repository is loaded; it does not close the repository, its owner does.
 */
export function createOipModule(context: ServiceContext, repository: SharedModelRepository): ServiceModule {
  let accepting = true;
  let endpoint: OipHttpEndpoint | undefined;
  const statistics = createInferStatistics(Date.now, repository.executionStatistics);
  return {
    name: "inference.GRPCInferenceService",
    definition: GRPCInferenceServiceService,
    implementation: createOipService({
      repository,
      statistics,
      logger: context.logger,
      accepting: () => accepting,
      maxImagePixels: context.inference?.maxImagePixels,
    }),
    async start() {
      // REST listens first, so that its liveness probe answers while the models load.
      if (context.http) {
        endpoint = await serveOipHttp({
          host: context.http.host,
          port: context.http.port,
          repository,
          statistics,
          auth: context.auth,
          logger: context.logger,
          maxBodyBytes: context.maxMessageBytes,
          accepting: () => accepting,
          maxImagePixels: context.inference?.maxImagePixels,
          browser: context.http.browser,
          metrics: context.metrics.registry,
        });
        context.http.onListening(endpoint.address);
        context.logger.info({ address: `http://${endpoint.address}/v2` }, "OIP REST API listening");
      }
      await repository.load();
    },
    async stop() {
      accepting = false;
      context.http?.browser?.close();
      await endpoint?.close();
    },
  };
}
