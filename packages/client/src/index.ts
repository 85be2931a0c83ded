/**
 * @inferd/client: a typed client of the inferd gRPC API (health, diagnostics, files with
 * resumable transfers, inference and jobs), and a typed client of the Open Inference Protocol
 * (`createOipClient`, for inferd and other KServe v2 servers). The `inferctl` command-line tool
 * is built on it.
 *
 * @packageDocumentation
 */
export { createInferdClient } from "./client";
export { createOipClient } from "./oip/oip-client";
export { createPipelineClient } from "./pipeline/pipeline-client";
export type { AvroPipelineClient, PipelineJob } from "./pipeline/pipeline-client";
export type { InferParameters as PipelineParameters, JobState as PipelineJobState, JobStatus as PipelineJobStatus } from "@inferd/grpc-types/avro";
export type { OipClient, OipInferRequest, OipInferResult, OipInput } from "./oip/oip-client";
export { datatypeOfData } from "./oip/tensors";
export type { OipDatatype, OipTensor, TensorData } from "./oip/tensors";
export type { InferdClient, InferOptions, ListFilesOptions, PingResult } from "./client";
export type { ListJobsOptions } from "./client";
export { DEFAULT_DEADLINE_MS } from "./connection";
export type { InferdClientOptions, TlsOptions } from "./connection";
export { InferdClientError, localError, statusCodeName, toClientError } from "./errors";
export type { InferdClientErrorOptions } from "./errors";
export { backoffDelay, DEFAULT_RETRY_POLICY, isTransient } from "./backoff";
export type { RetryListener, RetryPolicy } from "./backoff";
export type { ServingStatus } from "./health";
export { isFinalStage } from "./job-stream";
export type { JobStream } from "./job-stream";
export type { DownloadOptions, DownloadResult } from "./download";
export type { TransferProgress, UploadOptions, UploadResult } from "./upload";
export type { UploadInput } from "./upload-source";
export { formatFileUri, isFileUri, parseFileUri } from "./uri";
export type { FileUri } from "./uri";
export { JobStage, ModelState, Task } from "@inferd/grpc-types/v1";
export type { FileInfo, InferResponse, InferResult, JobSummary, JobUpdate, ModelInfo, RunRequest } from "@inferd/grpc-types/v1";
export type { JobInfo, ListJobsResponse } from "@inferd/grpc-types/v1";
