import { GRPCInferenceServiceService } from "@inferd/grpc-types/inference";
import { implementService } from "../../implement-service";
import type { ServiceContext, ServiceModule } from "../../service-module";
import { serveOipHttp, type OipHttpEndpoint } from "./rest/http-server";
import { createOipService } from "./service";

/**
 * The Open Inference Protocol (KServe v2): over gRPC on the server's port, and over REST on
 * `context.http` when set, both over the engine's model registry (the same loaded models and
 * statistics as inferd.v1). It reports SERVING once the engine is ready; it loads and closes
 * nothing itself (the server starts and stops the engine).
 */
export function createOipModule(context: ServiceContext): ServiceModule {
  const { engine } = context;
  let accepting = true;
  let endpoint: OipHttpEndpoint | undefined;
  const deps = { models: engine.models, admission: engine.inference.admission, maxImagePixels: context.inference?.maxImagePixels };
  return {
    name: "inference.GRPCInferenceService",
    ...implementService(
      GRPCInferenceServiceService,
      createOipService({ ...deps, logger: context.logger, accepting: () => accepting }),
    ),
    async start() {
      // REST listens first, so that its liveness probe answers while the models load.
      if (context.http) {
        endpoint = await serveOipHttp({
          ...deps,
          host: context.http.host,
          port: context.http.port,
          auth: context.auth,
          logger: context.logger,
          maxBodyBytes: context.maxMessageBytes,
          accepting: () => accepting,
          browser: context.http.browser,
          metrics: context.metrics.registry,
        });
        context.http.onListening(endpoint.address);
        context.logger.info({ address: `http://${endpoint.address}/v2` }, "OIP REST API listening");
      }
      await engine.whenReady();
    },
    async stop() {
      accepting = false;
      context.http?.browser?.close();
      await endpoint?.close();
    },
  };
}
