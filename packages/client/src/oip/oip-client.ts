/**
 * A typed, promise-based client of the Open Inference Protocol (KServe v2) over gRPC: the
 * protocol inferd, Triton, KServe and OpenVINO Model Server speak. Tensors go as raw contents
 * (the fast path of the protocol) and come back decoded into typed arrays.
 */
import {
  GRPCInferenceServiceClient,
  type InferParameter,
  type ModelConfig,
  type ModelMetadataResponse,
  type ModelStatistics,
  type RepositoryIndexResponse_ModelIndex,
  type ServerMetadataResponse,
} from "@inferd/grpc-types/inference";
import { createConnection, type InferdClientOptions } from "../connection";
import { callUnary } from "../unary";
import { datatypeOfData, decodeTensorContents, decodeTensorData, encodeTensorData, type OipDatatype, type OipTensor, type TensorData } from "./tensors";

/** One input of {@link OipClient.infer}; `datatype` defaults to the one of `data`'s array type. */
export interface OipInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: TensorData;
  /** Needed for BOOL (Uint8Array) and FP16 (Uint16Array of raw bits). */
  readonly datatype?: OipDatatype;
}

/** An inference request. */
export interface OipInferRequest {
  readonly model: string;
  /** Default: the server picks (inferd: the newest ready version). */
  readonly version?: string;
  /** Echoed in the result. */
  readonly id?: string;
  readonly inputs: readonly OipInput[];
  /** Outputs to return; default every output of the model. */
  readonly outputs?: readonly string[];
  readonly parameters?: { readonly [key: string]: InferParameter };
}

/** An inference result: the outputs by name, in the order the server sent them. */
export interface OipInferResult {
  readonly model: string;
  readonly version: string;
  readonly id: string;
  readonly outputs: readonly OipTensor[];
  /** The output named `name`; throws when the result has none. */
  output(name: string): OipTensor;
}

/** The OIP client; every method rejects with an InferdClientError carrying the gRPC code. */
export interface OipClient {
  serverLive(): Promise<boolean>;
  serverReady(): Promise<boolean>;
  serverMetadata(): Promise<ServerMetadataResponse>;
  modelReady(model: string, version?: string): Promise<boolean>;
  modelMetadata(model: string, version?: string): Promise<ModelMetadataResponse>;
  modelConfig(model: string, version?: string): Promise<ModelConfig | undefined>;
  /** Statistics of every model (no name) or one model (and version). */
  modelStatistics(model?: string, version?: string): Promise<ModelStatistics[]>;
  repositoryIndex(options?: { readyOnly?: boolean }): Promise<RepositoryIndexResponse_ModelIndex[]>;
  infer(request: OipInferRequest): Promise<OipInferResult>;
  /** Loads or reloads a model from the server's repository (inferd: model control mode explicit). */
  loadModel(model: string): Promise<void>;
  /** Unloads a model; inferd answers once its running calls finished. */
  unloadModel(model: string): Promise<void>;
  close(): void;
}

/** Connects to an OIP server at `options.address` (same options as createInferdClient). */
export function createOipClient(options: InferdClientOptions): OipClient {
  const connection = createConnection(options);
  const stub = new GRPCInferenceServiceClient(connection.address, connection.credentials, connection.clientOptions);
  const call = <Req, Res>(method: Parameters<typeof callUnary<Req, Res>>[1], request: Req): Promise<Res> =>
    callUnary(connection, method.bind(stub) as typeof method, request);

  return {
    serverLive: async () => (await call(stub.serverLive, {})).live,
    serverReady: async () => (await call(stub.serverReady, {})).ready,
    serverMetadata: () => call(stub.serverMetadata, {}),
    modelReady: async (name, version = "") => (await call(stub.modelReady, { name, version })).ready,
    modelMetadata: (name, version = "") => call(stub.modelMetadata, { name, version }),
    modelConfig: async (name, version = "") => (await call(stub.modelConfig, { name, version })).config,
    modelStatistics: async (name = "", version = "") => (await call(stub.modelStatistics, { name, version })).modelStats,
    repositoryIndex: async ({ readyOnly = false } = {}) => (await call(stub.repositoryIndex, { repositoryName: "", ready: readyOnly })).models,
    loadModel: async (modelName) => void (await call(stub.repositoryModelLoad, { repositoryName: "", modelName, parameters: {} })),
    unloadModel: async (modelName) => void (await call(stub.repositoryModelUnload, { repositoryName: "", modelName, parameters: {} })),

    async infer(request) {
      const response = await call(stub.modelInfer, {
        modelName: request.model,
        modelVersion: request.version ?? "",
        id: request.id ?? "",
        parameters: { ...(request.parameters ?? {}) },
        inputs: request.inputs.map((input) => ({
          name: input.name,
          datatype: input.datatype ?? datatypeOfData(input.data),
          shape: input.shape.map(BigInt),
          parameters: {},
        })),
        outputs: (request.outputs ?? []).map((name) => ({ name, parameters: {} })),
        rawInputContents: request.inputs.map((input) => encodeTensorData(input.data)),
      });
      const outputs: OipTensor[] = response.outputs.map((o, i) => ({
        name: o.name,
        datatype: o.datatype as OipDatatype,
        shape: o.shape.map(Number),
        // Raw contents normally (inferd, Triton); typed contents from servers that send those.
        data:
          response.rawOutputContents.length === 0 && o.contents
            ? decodeTensorContents(o.datatype as OipDatatype, o.contents)
            : decodeTensorData(o.datatype as OipDatatype, response.rawOutputContents[i] ?? Buffer.alloc(0)),
      }));
      return {
        model: response.modelName,
        version: response.modelVersion,
        id: response.id,
        outputs,
        output(name: string) {
          const found = outputs.find((o) => o.name === name);
          if (!found) throw new Error(`the result has no output "${name}"; it has ${outputs.map((o) => o.name).join(", ") || "none"}`);
          return found;
        },
      };
    },

    close() {
      stub.close();
      connection.close();
    },
  };
}
