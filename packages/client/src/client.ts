import { readFile } from "node:fs/promises";
import {
  DiagnosticsClient,
  FilesClient,
  InferenceClient,
  type DeleteFileResponse,
  type FileInfo,
  type InferParameters,
  type InferResponse,
  type JobStage,
  type ListFilesResponse,
  type ListJobsResponse,
  type ModelInfo,
  type RunRequest,
} from "@inferd/grpc-types/v1";
import { createConnection, type InferdClientOptions } from "./connection";
import { downloadResumable, type DownloadOptions, type DownloadResult } from "./download";
import { localError } from "./errors";
import { createHealthClient, type ServingStatus } from "./health";
import { createJobStream, type JobStream } from "./job-stream";
import { callUnary } from "./unary";
import { uploadResumable, type UploadOptions, type UploadResult } from "./upload";
import type { UploadInput } from "./upload-source";
import { isFileUri } from "./uri";

/** What Ping answered, with the measured round trip. */
export interface PingResult {
  message: string;
  serverVersion: string;
  serverTime: Date | undefined;
  /** Client-side round-trip time in milliseconds. */
  roundTripMs: number;
}

/** Options of InferdClient.infer. */
export interface InferOptions {
  /** The model's name. */
  model: string;
  /** The model version; default the newest ready one. */
  version?: string;
  /** Minimum confidence (0-1) of a returned result. */
  threshold?: number;
  /** Maximum number of results; 0 means no limit. */
  maxResults?: number;
  /** IoU threshold of non-maximum suppression (detection models). */
  iouThreshold?: number;
  /** Ask for the mask PNG (text detection and segmentation). */
  returnMask?: boolean;
}

/** Options of InferdClient.listFiles. */
export interface ListFilesOptions {
  project: string;
  /** Only paths starting with this. */
  prefix?: string;
  /** Files per page, 1-1000 (default: the server's, 100). */
  pageSize?: number;
  /** The previous page's nextPageToken. */
  pageToken?: string;
}

/** Options of InferdClient.listJobs. */
export interface ListJobsOptions {
  project: string;
  /** Jobs per page, 1-1000 (default: the server's, 100). */
  pageSize?: number;
  /** The previous page's nextPageToken. */
  pageToken?: string;
}

/** A typed client of every inferd RPC, sharing one channel. */
export interface InferdClient {
  /** The address it dials. */
  readonly address: string;
  /** grpc.health.v1 Check: the status of `service` ("" for the whole server). */
  health(service?: string): Promise<ServingStatus>;
  /** Diagnostics.Ping, with the round trip measured. */
  ping(message?: string): Promise<PingResult>;
  /** Every model of the server's repository. */
  listModels(): Promise<ModelInfo[]>;
  /** Runs one image: a local file path, an "inferd://" URI of a stored file, or bytes. */
  infer(image: string | Uint8Array, options: InferOptions): Promise<InferResponse>;
  /** Starts a job over stored images and streams its updates. */
  run(request: RunRequest): JobStream;
  /** Re-attaches to a job: its current state, then live updates until it ends. */
  watchJob(jobId: string): JobStream;
  /**
   * Cancels a job; resolves once it has stopped, with the stage it really ended in (DONE when
   * its last image was already in hand).
   */
  cancelJob(jobId: string): Promise<JobStage>;
  /** One page of a project's jobs, newest first, with each job's stage, counts and times. */
  listJobs(options: ListJobsOptions): Promise<ListJobsResponse>;
  /** Uploads a file, resuming and retrying by itself (see UploadOptions). */
  upload(input: UploadInput, options: UploadOptions): Promise<UploadResult>;
  /** Downloads a stored file to `dest` (a file or directory; default: the current directory). */
  download(uri: string, dest?: string, options?: DownloadOptions): Promise<DownloadResult>;
  /** One page of a project's files. */
  listFiles(options: ListFilesOptions): Promise<ListFilesResponse>;
  /** Every file of a project (following the pages). */
  listAllFiles(options: Omit<ListFilesOptions, "pageToken">): Promise<FileInfo[]>;
  /** Deletes a file and any unfinished upload of its path. */
  deleteFile(uri: string): Promise<DeleteFileResponse>;
  /** Closes the channel; calls in flight fail with CANCELLED. */
  close(): void;
}

/** The proto InferParameters for {@link InferOptions} (unset options take the model's defaults). */
export function inferParameters(options: InferOptions): InferParameters {
  return {
    returnMask: options.returnMask ?? false,
    ...(options.threshold === undefined ? {} : { confidenceThreshold: options.threshold }),
    ...(options.maxResults === undefined ? {} : { maxResults: options.maxResults }),
    ...(options.iouThreshold === undefined ? {} : { iouThreshold: options.iouThreshold }),
  };
}

async function imageOf(image: string | Uint8Array): Promise<{ $case: "imageData"; value: Buffer } | { $case: "imageUri"; value: string }> {
  if (typeof image !== "string") return { $case: "imageData", value: Buffer.from(image) };
  if (isFileUri(image)) return { $case: "imageUri", value: image };
  try {
    return { $case: "imageData", value: await readFile(image) };
  } catch (error) {
    throw localError(`cannot read ${image}`, error);
  }
}

/**
 * Creates a client of an inferd server. The channel connects lazily on the first call; every
 * failure rejects with an InferdClientError carrying the gRPC code.
 */
export function createInferdClient(options: InferdClientOptions): InferdClient {
  const connection = createConnection(options);
  const { address, credentials, clientOptions } = connection;
  const diagnostics = new DiagnosticsClient(address, credentials, clientOptions);
  const files = new FilesClient(address, credentials, clientOptions);
  const inference = new InferenceClient(address, credentials, clientOptions);
  const healthClient = createHealthClient(connection);

  return {
    address,
    health: (service = "") => healthClient.check(service),
    async ping(message = "") {
      const started = performance.now();
      const response = await callUnary(connection, diagnostics.ping.bind(diagnostics), { message, payload: Buffer.alloc(0) });
      return {
        message: response.message,
        serverVersion: response.serverVersion,
        serverTime: response.serverTime,
        roundTripMs: performance.now() - started,
      };
    },
    async listModels() {
      return (await callUnary(connection, inference.listModels.bind(inference), {})).models;
    },
    async infer(image, inferOptions) {
      return callUnary(connection, inference.infer.bind(inference), {
        model: inferOptions.model,
        version: inferOptions.version ?? "",
        image: await imageOf(image),
        parameters: inferParameters(inferOptions),
      });
    },
    run: (request) => createJobStream(connection, inference.run(request, connection.metadata(), {})),
    watchJob: (jobId) => createJobStream(connection, inference.watchJob({ jobId }, connection.metadata(), {})),
    async cancelJob(jobId) {
      return (await callUnary(connection, inference.cancelJob.bind(inference), { jobId })).stage;
    },
    listJobs: (listOptions) =>
      callUnary(connection, inference.listJobs.bind(inference), {
        project: listOptions.project,
        pageSize: listOptions.pageSize ?? 0,
        pageToken: listOptions.pageToken ?? "",
      }),
    upload: (input, uploadOptions) => uploadResumable(connection, files, input, uploadOptions),
    download: (uri, dest, downloadOptions) => downloadResumable(connection, files, uri, dest, downloadOptions),
    listFiles: (listOptions) =>
      callUnary(connection, files.listFiles.bind(files), {
        project: listOptions.project,
        prefix: listOptions.prefix ?? "",
        pageSize: listOptions.pageSize ?? 0,
        pageToken: listOptions.pageToken ?? "",
      }),
    async listAllFiles(listOptions) {
      const all: FileInfo[] = [];
      let pageToken = "";
      do {
        const page = await callUnary(connection, files.listFiles.bind(files), {
          project: listOptions.project,
          prefix: listOptions.prefix ?? "",
          pageSize: listOptions.pageSize ?? 1000,
          pageToken,
        });
        all.push(...page.files);
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return all;
    },
    deleteFile: (uri) => callUnary(connection, files.deleteFile.bind(files), { uri }),
    close: () => connection.close(),
  };
}
