import { DiagnosticsService } from "@inferd/grpc-types/v1";
import type { ServiceContext, ServiceModule } from "../service-module";
import { createDiagnosticsService } from "./diagnostics";
import { createFilesModule } from "./files";
import { createInferenceModule } from "./inference";

/**
 * THE place where services are added to the server. Each module brings its definition,
 * implementation, optional start-up work (health turns SERVING after it) and shutdown.
 */
export function createServiceModules(context: ServiceContext): ServiceModule[] {
  return [
    {
      name: "inferd.v1.Diagnostics",
      definition: DiagnosticsService,
      implementation: createDiagnosticsService() as never,
    },
    createFilesModule(context),
    createInferenceModule(context),
  ];
}
