/**
 * inferd server: a gRPC server for ONNX models.
 *
 * @packageDocumentation
 */
export { createInferdServer } from "./server";
export type { InferdServer, InferdServerOptions } from "./server";
export { createDiagnosticsService } from "./services/diagnostics";
export { InferdError, STATUS_BY_KIND, toServiceError } from "./errors";
export type { ErrorKind, MappedError } from "./errors";
export { silentLogger } from "./logger";
export type { Logger } from "./logger";
export { SERVER_VERSION } from "./version";
