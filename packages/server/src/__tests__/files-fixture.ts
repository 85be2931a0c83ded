import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metadata, ServiceError } from "@grpc/grpc-js";
import type {
  DeleteFileRequest,
  DeleteFileResponse,
  DiagnosticsClient,
  FilesClient,
  GetUploadStatusRequest,
  GetUploadStatusResponse,
  ListFilesRequest,
  ListFilesResponse,
  PingRequest,
  PingResponse,
  UploadResponse,
} from "@inferd/grpc-types/v1";

/** A temp folder removed by `cleanup()`. */
export async function createTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `inferd-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Options of {@link uploadBytes}. */
export interface UploadArgs {
  project: string;
  path: string;
  offset?: bigint;
  totalSize?: bigint;
  sha256?: string;
  /** Discard an unfinished upload of the path first (offset must be 0). */
  restart?: boolean;
  chunks: readonly Uint8Array[];
  metadata?: Metadata;
}

/** Runs one Upload call to the end and resolves with its response (rejects with the status). */
export function uploadBytes(client: FilesClient, args: UploadArgs): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    const callback = (error: ServiceError | null, response?: UploadResponse): void =>
      error ? reject(error) : resolve(response as UploadResponse);
    const call = args.metadata ? client.upload(args.metadata, callback) : client.upload(callback);
    call.write({
      content: {
        $case: "header",
        value: {
          project: args.project,
          path: args.path,
          offset: args.offset ?? 0n,
          totalSize: args.totalSize,
          sha256: args.sha256 ?? "",
          restart: args.restart ?? false,
        },
      },
    });
    for (const chunk of args.chunks) call.write({ content: { $case: "chunk", value: Buffer.from(chunk) } });
    call.end();
  });
}

/** Collects a Download into one buffer. */
export function downloadBytes(client: FilesClient, uri: string, offset = 0n, metadata?: Metadata): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const call = metadata ? client.download({ uri, offset }, metadata) : client.download({ uri, offset });
    call.on("data", (message: { chunk: Buffer }) => parts.push(message.chunk));
    call.on("error", reject);
    call.on("end", () => resolve(Buffer.concat(parts)));
  });
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

function promise<T>(start: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Files.ListFiles as a promise. */
export const listFiles = (client: FilesClient, request: ListFilesRequest): Promise<ListFilesResponse> =>
  promise((callback: Callback<ListFilesResponse>) => client.listFiles(request, callback));
/** Files.GetUploadStatus as a promise. */
export const getUploadStatus = (client: FilesClient, request: GetUploadStatusRequest): Promise<GetUploadStatusResponse> =>
  promise((callback: Callback<GetUploadStatusResponse>) => client.getUploadStatus(request, callback));
/** Files.DeleteFile as a promise. */
export const deleteFile = (client: FilesClient, request: DeleteFileRequest): Promise<DeleteFileResponse> =>
  promise((callback: Callback<DeleteFileResponse>) => client.deleteFile(request, callback));
/** Diagnostics.Ping as a promise. */
export const pingOnce = (client: DiagnosticsClient, request: PingRequest): Promise<PingResponse> =>
  promise((callback: Callback<PingResponse>) => client.ping(request, callback));
