import { randomBytes } from "node:crypto";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { DiagnosticsClient, FilesClient, InferenceClient, JobUpdate } from "@inferd/grpc-types/v1";

/** The clients an operation uses, all with the soak's token. */
export interface SoakClients {
  readonly files: FilesClient;
  readonly inference: InferenceClient;
  readonly diagnostics: DiagnosticsClient;
  readonly metadata: Metadata;
  /** A small PNG for Infer and Run. */
  readonly png: Buffer;
  /** Model name to infer with. */
  readonly model: string;
}

/** One kind of traffic: a name, its share of calls, and one call that resolves with its status. */
export interface Operation {
  readonly name: string;
  readonly weight: number;
  run(clients: SoakClients, n: number): Promise<status>;
}

const codeOf = (error: unknown): status => ((error as ServiceError | undefined)?.code ?? status.UNKNOWN) as status;

function unary<T>(start: (callback: (error: ServiceError | null, response?: T) => void) => unknown): Promise<status> {
  return new Promise((resolve) => {
    start((error) => resolve(error ? codeOf(error) : status.OK));
  });
}

function upload(c: SoakClients, path: string, bytes: Buffer): Promise<status> {
  return new Promise((resolve) => {
    const call = c.files.upload(c.metadata, (error) => resolve(error ? codeOf(error) : status.OK));
    call.write({ content: { $case: "header", value: { project: "soak", path, offset: 0n, totalSize: BigInt(bytes.length), sha256: "", restart: false } } });
    for (let at = 0; at < bytes.length; at += 64 * 1024) call.write({ content: { $case: "chunk", value: bytes.subarray(at, at + 64 * 1024) } });
    call.end();
  });
}

function drain(stream: NodeJS.EventEmitter): Promise<status> {
  return new Promise((resolve) => {
    stream.on("data", () => undefined);
    stream.on("error", (error) => resolve(codeOf(error)));
    stream.on("end", () => resolve(status.OK));
  });
}

/** The soak's mix. Paths cycle over a bounded set, so disk use stays bounded however long it runs. */
export const OPERATIONS: readonly Operation[] = [
  { name: "ping", weight: 30, run: (c) => unary((cb) => c.diagnostics.ping({ message: "soak", payload: Buffer.alloc(64) }, c.metadata, cb)) },
  { name: "upload", weight: 12, run: (c, n) => upload(c, `files/f-${n % 50}.bin`, randomBytes(32 * 1024 + (n % 7) * 4096)) },
  { name: "download", weight: 12, run: (c, n) => drain(c.files.download({ uri: `inferd://soak/seed/s-${n % 10}.bin`, offset: 0n }, c.metadata)) },
  { name: "list", weight: 8, run: (c) => unary((cb) => c.files.listFiles({ project: "soak", prefix: "", pageSize: 100, pageToken: "" }, c.metadata, cb)) },
  {
    name: "infer",
    weight: 15,
    run: (c) => unary((cb) => c.inference.infer({ model: c.model, version: "", image: { $case: "imageData", value: c.png }, parameters: { returnMask: false } }, c.metadata, cb)),
  },
  {
    name: "run",
    weight: 3,
    run: (c) => {
      const stream = c.inference.run({ project: "soak", model: c.model, version: "", imageUris: ["inferd://soak/seed/page.png"], parameters: { returnMask: false } }, c.metadata);
      return new Promise((resolve) => {
        let last: JobUpdate | undefined;
        stream.on("data", (message: { update?: JobUpdate }) => (last = message.update ?? last));
        stream.on("error", (error) => resolve(codeOf(error)));
        stream.on("end", () => resolve(last ? status.OK : status.UNKNOWN));
      });
    },
  },
  { name: "bad: traversal", weight: 5, run: (c) => drain(c.files.download({ uri: "inferd://soak/../other/x", offset: 0n }, c.metadata)) },
  { name: "bad: no image", weight: 5, run: (c) => unary((cb) => c.inference.infer({ model: c.model, version: "", parameters: { returnMask: false } }, c.metadata, cb)) },
  { name: "bad: unknown job", weight: 5, run: (c) => unary((cb) => c.inference.cancelJob({ jobId: "00000000-0000-4000-8000-000000000000" }, c.metadata, cb)) },
  { name: "bad: no token", weight: 5, run: (c) => unary((cb) => c.diagnostics.ping({ message: "x", payload: Buffer.alloc(0) }, new Metadata(), cb)) },
];

/** Codes each operation is expected to end with; anything else counts as an error. */
export const EXPECTED: Readonly<Record<string, status>> = {
  "bad: traversal": status.INVALID_ARGUMENT,
  "bad: no image": status.INVALID_ARGUMENT,
  "bad: unknown job": status.NOT_FOUND,
  "bad: no token": status.UNAUTHENTICATED,
};
