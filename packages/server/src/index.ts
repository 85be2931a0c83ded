/**
 * inferd server: a gRPC server for ONNX models.
 *
 * @packageDocumentation
 */
export { createInferdServer, readTlsFiles, ServerConfigError } from "./server";
export type { InferdServer, InferdServerOptions, KeepaliveOptions, TlsOptions } from "./server";
export type { ServiceContext, ServiceModule } from "./service-module";
// What an embedder's modules (extraModules) serve from, and how they type their implementations.
export type { Engine } from "./engine/engine";
export type { EngineInference } from "./engine/inference";
export type { ModelRegistry } from "./engine/model-registry";
export { implementService } from "./implement-service";
export type { ImplementationOf, ImplementedService } from "./implement-service";
export { createDiagnosticsService } from "./services/diagnostics";
export { createFilesService, toFileInfo } from "./services/files";
export type { FilesContext } from "./services/files";
export { InferdError, STATUS_BY_KIND, toServiceError } from "./errors";
export type { ErrorKind, MappedError } from "./errors";
export { silentLogger } from "./logger";
export type { Logger } from "./logger";
export { SERVER_VERSION } from "./version";
export { DataDirLockedError } from "./lifecycle/data-dir-lock";
export type { LockHolder } from "./lifecycle/data-dir-lock";
export * from "./auth";
export { createLocalFileStore } from "./files/local-file-store";
export type { LocalFileStoreOptions } from "./files/local-file-store";
export type * from "./files/file-store";
export { formatFileUri, parseFileUri, URI_SCHEME } from "./files/uri";
export type { FileRef } from "./files/uri";
export { assertPath, assertProject, assertProjectPath, validatePath, validateProject } from "./files/validate";
export { defaultModelsDir, isLoopbackHost } from "./config/defaults";
// The in-process inference pipeline (what Infer runs), for embedders and the benchmarks.
export { createModelRepository } from "./models/repository";
export type { ModelRepository, ModelRepositoryOptions, ResolvedModel } from "./models/repository";
export { createInferencePipeline } from "./inference/pipeline";
export type { InferencePipeline, InferencePipelineOptions, InferenceOutcome } from "./inference/pipeline";
export { resolveParameters } from "./inference/parameters";
export type { TaskParameters } from "./tasks/types";
// Reflection descriptors for an embedder's own services (ServiceModule.fileDescriptorProtos).
export { splitFileDescriptorSet } from "./health/reflection";
export { descriptorsOfDefinition } from "./health/proto-loader-descriptors";
export type { ReflectedService } from "./health/reflection";
