/**
 * Paths and encoders of the Open Inference Protocol RPCs (inference.GRPCInferenceService),
 * from partial objects, for the bad-input table and the fuzz suite.
 */
import {
  ModelConfigRequest,
  ModelInferRequest,
  ModelMetadataRequest,
  ModelReadyRequest,
  ModelStatisticsRequest,
  ModelStreamInferResponse,
  RepositoryIndexRequest,
  RepositoryModelLoadRequest,
  RepositoryModelUnloadRequest,
  ServerLiveRequest,
  ServerMetadataRequest,
  ServerReadyRequest,
} from "@inferd/grpc-types/inference";
import { encode, type Partial } from "./requests";

/** The path of each OIP RPC. */
export const OIP_PATH = {
  serverLive: "/inference.GRPCInferenceService/ServerLive",
  serverReady: "/inference.GRPCInferenceService/ServerReady",
  modelReady: "/inference.GRPCInferenceService/ModelReady",
  serverMetadata: "/inference.GRPCInferenceService/ServerMetadata",
  modelMetadata: "/inference.GRPCInferenceService/ModelMetadata",
  modelInfer: "/inference.GRPCInferenceService/ModelInfer",
  modelStreamInfer: "/inference.GRPCInferenceService/ModelStreamInfer",
  modelConfig: "/inference.GRPCInferenceService/ModelConfig",
  modelStatistics: "/inference.GRPCInferenceService/ModelStatistics",
  repositoryIndex: "/inference.GRPCInferenceService/RepositoryIndex",
  repositoryModelLoad: "/inference.GRPCInferenceService/RepositoryModelLoad",
  repositoryModelUnload: "/inference.GRPCInferenceService/RepositoryModelUnload",
} as const;

/** A ModelInferRequest as a partial object. */
export type InferInput = Partial<typeof ModelInferRequest>;

/** Encoders of every OIP request message. */
export const encodeOip = {
  serverLive: (): Buffer => encode(ServerLiveRequest, {}),
  serverReady: (): Buffer => encode(ServerReadyRequest, {}),
  serverMetadata: (): Buffer => encode(ServerMetadataRequest, {}),
  modelReady: (request: Partial<typeof ModelReadyRequest>): Buffer => encode(ModelReadyRequest, request),
  modelMetadata: (request: Partial<typeof ModelMetadataRequest>): Buffer => encode(ModelMetadataRequest, request),
  modelInfer: (request: InferInput): Buffer => encode(ModelInferRequest, request),
  modelConfig: (request: Partial<typeof ModelConfigRequest>): Buffer => encode(ModelConfigRequest, request),
  modelStatistics: (request: Partial<typeof ModelStatisticsRequest>): Buffer => encode(ModelStatisticsRequest, request),
  repositoryIndex: (request: Partial<typeof RepositoryIndexRequest>): Buffer => encode(RepositoryIndexRequest, request),
  repositoryModelLoad: (request: Partial<typeof RepositoryModelLoadRequest>): Buffer => encode(RepositoryModelLoadRequest, request),
  repositoryModelUnload: (request: Partial<typeof RepositoryModelUnloadRequest>): Buffer => encode(RepositoryModelUnloadRequest, request),
};

/** The error_message of each ModelStreamInfer answer ("" for an answer that carries a response). */
export function streamErrors(messages: readonly Buffer[]): string[] {
  return messages.map((message) => ModelStreamInferResponse.decode(message).errorMessage);
}
