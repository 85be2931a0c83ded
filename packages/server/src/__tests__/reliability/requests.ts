import {
  CancelJobRequest,
  ChatRequest,
  DeleteFileRequest,
  DownloadRequest,
  GetUploadStatusRequest,
  type InferParameters,
  InferRequest,
  ListFilesRequest,
  ListJobsRequest,
  ListModelsRequest,
  PingRequest,
  RunRequest,
  StreamNumbersRequest,
  type UploadHeader,
  UploadNumbersRequest,
  UploadRequest,
  WatchJobRequest,
} from "@inferd/grpc-types/v1";

/** The argument of a ts-proto codec's fromPartial. */
export type Partial<T extends { fromPartial(object: never): unknown }> = Parameters<T["fromPartial"]>[0];

/** Encodes a partial message with its ts-proto codec. */
export const encode = <M>(codec: { encode(message: M): { finish(): Uint8Array }; fromPartial(object: never): M }, object: unknown): Buffer =>
  Buffer.from(codec.encode(codec.fromPartial(object as never)).finish());

/** The path of each inferd.v1 RPC. */
export const PATH = {
  upload: "/inferd.v1.Files/Upload",
  getUploadStatus: "/inferd.v1.Files/GetUploadStatus",
  download: "/inferd.v1.Files/Download",
  listFiles: "/inferd.v1.Files/ListFiles",
  deleteFile: "/inferd.v1.Files/DeleteFile",
  listModels: "/inferd.v1.Inference/ListModels",
  infer: "/inferd.v1.Inference/Infer",
  run: "/inferd.v1.Inference/Run",
  watchJob: "/inferd.v1.Inference/WatchJob",
  cancelJob: "/inferd.v1.Inference/CancelJob",
  listJobs: "/inferd.v1.Inference/ListJobs",
  ping: "/inferd.v1.Diagnostics/Ping",
  streamNumbers: "/inferd.v1.Diagnostics/StreamNumbers",
  uploadNumbers: "/inferd.v1.Diagnostics/UploadNumbers",
  chat: "/inferd.v1.Diagnostics/Chat",
  healthCheck: "/grpc.health.v1.Health/Check",
  healthWatch: "/grpc.health.v1.Health/Watch",
  reflection: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  reflectionAlpha: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
} as const;

/** Encoders of every inferd.v1 request message, from partial objects (ts-proto's fromPartial). */
export const encodeRequest = {
  uploadHeader: (header: Partial<typeof UploadHeader>): Buffer => encode(UploadRequest, { content: { $case: "header", value: header } }),
  uploadChunk: (chunk: Uint8Array): Buffer => encode(UploadRequest, { content: { $case: "chunk", value: Buffer.from(chunk) } }),
  uploadEmpty: (): Buffer => encode(UploadRequest, {}),
  getUploadStatus: (request: Partial<typeof GetUploadStatusRequest>): Buffer => encode(GetUploadStatusRequest, request),
  download: (request: Partial<typeof DownloadRequest>): Buffer => encode(DownloadRequest, request),
  listFiles: (request: Partial<typeof ListFilesRequest>): Buffer => encode(ListFilesRequest, request),
  deleteFile: (request: Partial<typeof DeleteFileRequest>): Buffer => encode(DeleteFileRequest, request),
  listModels: (): Buffer => encode(ListModelsRequest, {}),
  infer: (request: Partial<typeof InferRequest>): Buffer => encode(InferRequest, request),
  run: (request: Partial<typeof RunRequest>): Buffer => encode(RunRequest, request),
  watchJob: (request: Partial<typeof WatchJobRequest>): Buffer => encode(WatchJobRequest, request),
  cancelJob: (request: Partial<typeof CancelJobRequest>): Buffer => encode(CancelJobRequest, request),
  listJobs: (request: Partial<typeof ListJobsRequest>): Buffer => encode(ListJobsRequest, request),
  ping: (request: Partial<typeof PingRequest>): Buffer => encode(PingRequest, request),
  streamNumbers: (request: Partial<typeof StreamNumbersRequest>): Buffer => encode(StreamNumbersRequest, request),
  uploadNumbers: (request: Partial<typeof UploadNumbersRequest>): Buffer => encode(UploadNumbersRequest, request),
  chat: (request: Partial<typeof ChatRequest>): Buffer => encode(ChatRequest, request),
};

/** The frames of a whole Upload: header, then chunks. */
export function uploadFrames(header: Partial<typeof UploadHeader>, chunks: readonly Uint8Array[] = [Buffer.from("x")]): Buffer[] {
  return [encodeRequest.uploadHeader(header), ...chunks.map((chunk) => encodeRequest.uploadChunk(chunk))];
}

/** InferParameters as a partial object (re-exported for the tables). */
export type InferParametersInput = Partial<typeof InferParameters>;
