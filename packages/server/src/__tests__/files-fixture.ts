import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metadata, ServiceError } from "@grpc/grpc-js";
import type { FilesClient, UploadResponse } from "@inferd/grpc-types/v1";

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

/** Calls a unary client method and resolves with its response. */
export function unary<Req, Res>(
  method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown,
  request: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
