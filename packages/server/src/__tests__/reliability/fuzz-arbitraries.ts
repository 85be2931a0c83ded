/**
 * fast-check arbitraries of every request message the server accepts, mixing valid values,
 * near-misses (the edges of each limit) and arbitrary ones. Writes go to fuzz projects only, so
 * the canary files stay untouched whatever is generated.
 */
import fc from "fast-check";
import { encodeRequest as E, PATH, uploadFrames } from "./requests";
import { avroArbitraries } from "./avro-arbitraries";
import { oipArbitraries } from "./oip-arbitraries";
import { ALL_METHODS } from "./rpc-methods";
import { MODEL } from "./suite-server";
import { healthRequest, reflection } from "./wire";

/** One generated call: where it goes and the frames sent. */
export interface FuzzCall {
  readonly path: string;
  readonly frames: readonly Buffer[];
}

const anyText = fc.string({ unit: "binary", maxLength: 48 });
const text = (...interesting: string[]): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.constantFrom(...interesting), weight: 3 }, { arbitrary: anyText, weight: 2 }, fc.string({ maxLength: 300 }));

// Projects that may be written to; "demo" and "canary" (the canaries) only appear in reads.
const writeProject = text("fuzz", "fuzz-2", "", "..", ".x", "-x", "a/b", "p".repeat(64), "p".repeat(65));
const readProject = fc.oneof(writeProject, fc.constantFrom("demo", "canary", "other"));
const path = text("a.png", "dir/b.bin", "", "/abs", "../x", "a/../../b", "a//b", "a/", "x\u0000y", "a\\b", "\u2025/x", "s".repeat(256));
const readPath = fc.oneof(path, fc.constantFrom("present.png", "notes/readme.txt", "escape/secret.txt", "escape.txt", "keep.bin"));
const uri = (project: fc.Arbitrary<string>, p: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.tuple(project, p).map(([a, b]) => `inferd://${a}/${b}`), weight: 4 },
    fc.constantFrom("", "inferd://", "inferd://demo", "file:///etc/passwd", "http://x/y", "inferd://demo/%2e%2e/x"),
    anyText,
  );
const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 5n, 2n ** 63n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const uint32 = fc.oneof(fc.constantFrom(0, 1, 1000, 1001, 100_000, 100_001, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const small = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 3 }), weight: 8 }, { arbitrary: uint32, weight: 1 });
const int64 = fc.oneof(fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const sha = fc.oneof(fc.constant(""), fc.constant("0".repeat(64)), fc.stringMatching(/^[0-9a-f]{64}$/), anyText);
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const modelName = text(MODEL, "", "nope", "../text", "m".repeat(2000));
const version = text("", "1", "999", "../1");
const parameters = fc.record(
  {
    confidenceThreshold: fc.oneof(fc.float(), fc.constantFrom(0, 1, -0, 0.5)),
    maxResults: uint32,
    returnMask: fc.boolean(),
    iouThreshold: fc.oneof(fc.float(), fc.constantFrom(0, 1, 0.45)),
  },
  { requiredKeys: [] },
);
const jobId = text("", "00000000-0000-4000-8000-000000000000", "../../etc/passwd", "j".repeat(5000));

/** Arbitrary calls per RPC (inferd.v1, OIP, Avro pipeline, health, reflection), keyed by path. */
export function requestArbitraries(png: Buffer): Record<string, fc.Arbitrary<Buffer[]>> {
  const image = fc.oneof(
    fc.constant(undefined),
    fc.record({ $case: fc.constant("imageData" as const), value: fc.oneof(fc.constant(png), bytes(512), bytes(16).map((b) => Buffer.concat([png.subarray(0, 33), b]))) }),
    fc.record({ $case: fc.constant("imageUri" as const), value: uri(readProject, readPath) }),
  );
  return {
    [PATH.upload]: fc.oneof(
      { arbitrary: fc
        .tuple(
          fc.record({ project: writeProject, path, offset: uint64, totalSize: fc.option(uint64, { nil: undefined }), sha256: sha, restart: fc.boolean() }),
          fc.array(bytes(64), { maxLength: 3 }),
        )
        .map(([header, chunks]) => uploadFrames(header, chunks)), weight: 6 },
      fc.array(fc.oneof(bytes(32).map((b) => E.uploadChunk(b)), fc.constant(E.uploadEmpty()), fc.record({ project: writeProject, path }).map((h) => E.uploadHeader(h))), { maxLength: 4 }),
    ),
    [PATH.getUploadStatus]: fc.record({ project: readProject, path: readPath }).map((r) => [E.getUploadStatus(r)]),
    [PATH.download]: fc.record({ uri: uri(readProject, readPath), offset: uint64 }).map((r) => [E.download(r)]),
    [PATH.listFiles]: fc.record({ project: readProject, prefix: text("", "a", "/", "../", "escape/"), pageSize: uint32, pageToken: text("", "x", "A".repeat(200)) }).map((r) => [E.listFiles(r)]),
    [PATH.deleteFile]: fc.record({ uri: uri(writeProject, path) }).map((r) => [E.deleteFile(r)]),
    [PATH.listModels]: fc.constant([E.listModels()]),
    [PATH.infer]: fc.record({ model: modelName, version, image, parameters: fc.option(parameters, { nil: undefined }) }).map((r) => [E.infer(r)]),
    [PATH.run]: fc
      .record({ project: fc.oneof(writeProject, fc.constant("demo")), model: modelName, version, imageUris: fc.array(uri(fc.constantFrom("demo", "fuzz"), readPath), { maxLength: 4 }), parameters: fc.option(parameters, { nil: undefined }) })
      .map((r) => [E.run(r)]),
    [PATH.watchJob]: jobId.map((id) => [E.watchJob({ jobId: id })]),
    [PATH.cancelJob]: jobId.map((id) => [E.cancelJob({ jobId: id })]),
    [PATH.ping]: fc.record({ message: anyText, payload: bytes(256) }).map((r) => [E.ping(r)]),
    [PATH.streamNumbers]: fc.record({ count: small, intervalMs: small }).map((r) => [E.streamNumbers(r)]),
    [PATH.uploadNumbers]: fc.array(int64, { maxLength: 6 }).map((values) => values.map((value) => E.uploadNumbers({ value }))),
    [PATH.chat]: fc.array(anyText, { maxLength: 6 }).map((texts) => texts.map((t) => E.chat({ text: t }))),
    [PATH.healthCheck]: text("", "inferd.v1.Files", "inferd.v1.Inference", "inference.GRPCInferenceService", `model/${MODEL}`, "model/nope", "nope").map((s) => [healthRequest(s)]),
    [PATH.healthWatch]: text("", "inferd.v1.Files", "nope").map((s) => [healthRequest(s)]),
    [PATH.reflection]: fc.array(reflectionRequest(), { minLength: 1, maxLength: 3 }),
    [PATH.reflectionAlpha]: fc.array(reflectionRequest(), { minLength: 1, maxLength: 3 }),
    ...oipArbitraries(readProject),
    ...avroArbitraries(),
  };
}

function reflectionRequest(): fc.Arbitrary<Buffer> {
  const symbol = text("inferd.v1.Files", "inferd.v1.PingRequest", "google.protobuf.Timestamp", "nope");
  return fc.oneof(
    fc.constant(reflection.listServices()),
    text("inferd/v1/files.proto", "google/protobuf/timestamp.proto", "../../etc/passwd").map(reflection.fileByFilename),
    symbol.map(reflection.fileContainingSymbol),
    fc.tuple(symbol, fc.integer({ min: 0, max: 2 ** 29 })).map(([s, n]) => reflection.fileContainingExtension(s, n)),
    symbol.map(reflection.allExtensionNumbers),
  );
}

/** Arbitrary bytes to any method: mostly not a valid encoding of its message. */
export function rawBytesArbitrary(): fc.Arbitrary<FuzzCall> {
  return fc.record({ path: fc.constantFrom(...ALL_METHODS.map((m) => m.path)), frames: fc.array(bytes(128), { minLength: 1, maxLength: 3 }) });
}
