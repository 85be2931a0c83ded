/**
 * Bad-input rows of inferd.avro.Pipeline (Init and Monitor stream, Cancel is unary), Avro
 * single-object encoded: C3 01, the writer schema's 8-byte CRC-64-AVRO fingerprint, the body.
 * Bytes that are not a valid message of a known writer schema are INVALID_ARGUMENT (the decode
 * guard answers every codec refusal so, unknown fingerprints included); auth and job lookups
 * follow inferd.v1 (an unknown job and another project's job are the same NOT_FOUND).
 */
import { Metadata, status } from "@grpc/grpc-js";
import { JobStatusCodec, type InitRequest } from "@inferd/grpc-types/avro";
import type { BadInputCase, CaseContext, Expected } from "./bad-input-cases";
import { AVRO_HEADER, AVRO_PATH, avroLong, avroString, encodeAvro as A, jobStatuses } from "./avro-requests";
import type { RawOutcome } from "./raw-client";
import { bearer, MODEL, TOKENS } from "./suite-server";

const { OK, INVALID_ARGUMENT: IA, NOT_FOUND: NF, UNAUTHENTICATED: UA, PERMISSION_DENIED: PD } = status;

type Run = (ctx: CaseContext) => Promise<RawOutcome>;
type Rpc = "Init" | "Monitor" | "Cancel";
const c = (rpc: Rpc, name: string, expected: Expected, run: Run): BadInputCase => ({ rpc: `Avro/${rpc}`, name, expected, run });
const as = (md?: Metadata) => (md ? { metadata: md } : {});
const noToken = new Metadata();
const demoOnly = bearer(TOKENS.demoOnly);

const KIND = { Init: "server", Monitor: "server", Cancel: "unary" } as const;
const PATHS = { Init: AVRO_PATH.init, Monitor: AVRO_PATH.monitor, Cancel: AVRO_PATH.cancel } as const;
/** Sends these bytes to the RPC (a stream is read to its end, up to 100 messages). */
const send = (rpc: Rpc, frame: Buffer, md?: Metadata): Run => ({ s }) => s.call(PATHS[rpc], KIND[rpc], [frame], { maxMessages: 100, ...as(md) });

/** A valid Init of the image model over the stored demo PNG, with `change` applied on top. */
const initRequest = (change: Partial<InitRequest> = {}): InitRequest => ({ project: "demo", model: MODEL, imageUris: ["inferd://demo/present.png"], ...change });
const init = (change: Partial<InitRequest> = {}, md?: Metadata): Run => send("Init", A.init(initRequest(change)), md);
const good = A.init(initRequest());

/** An InitRequest body written by hand: strings, the raw image array, then the parameter and persistence bytes. */
const initBody = (array: Buffer, tail: Buffer = Buffer.alloc(5)): Buffer =>
  Buffer.concat([AVRO_HEADER.init, avroString("demo"), avroString(MODEL), avroString(""), array, tail]);
/** `good` with the body byte `fromEnd` bytes before its end replaced. */
const patched = (fromEnd: number, byte: number): Buffer => {
  const copy = Buffer.from(good);
  copy[copy.length - fromEnd] = byte;
  return copy;
};
const fingerprint = (frame: Buffer, print: Buffer): Buffer => Buffer.concat([frame.subarray(0, 2), print, frame.subarray(10)]);

/** Submits a job (admin token) and returns its id. */
async function submitted(ctx: CaseContext, project: string, uri: string): Promise<string> {
  const outcome = await ctx.s.call(AVRO_PATH.init, "server", [A.init({ project, model: MODEL, imageUris: [uri] })], { maxMessages: 100 });
  const id = jobStatuses(outcome)[0]?.jobId;
  if (outcome.code !== OK || id === undefined || id === "") throw new Error(`Init answered ${String(outcome.code)} without a job id`);
  return id;
}
/** Another project's job, asked about with the demo-only token. */
const othersJob = (rpc: "Monitor" | "Cancel"): Run => async (ctx) => {
  const id = await submitted(ctx, "other", "inferd://other/private.txt");
  return send(rpc, rpc === "Monitor" ? A.monitor(id) : A.cancel(id), demoOnly)(ctx);
};
/** A demo job asked about with the demo-only token (control: the same call answers). */
const ownJob = (rpc: "Monitor"): Run => async (ctx) => send(rpc, A.monitor(await submitted(ctx, "demo", "inferd://demo/present.png")), demoOnly)(ctx);

const long = "j".repeat(10_000);
const framing = (rpc: Rpc, valid: Buffer): BadInputCase[] => [
  c(rpc, "empty message", IA, send(rpc, Buffer.alloc(0))),
  c(rpc, "the header only, no body", IA, send(rpc, valid.subarray(0, 10))),
  c(rpc, "wrong magic (C3 02)", IA, send(rpc, Buffer.concat([Buffer.from([0xc3, 0x02]), valid.subarray(2)]))),
  c(rpc, "no single-object header (a bare Avro body)", IA, send(rpc, valid.subarray(10))),
  c(rpc, "unknown fingerprint", IA, send(rpc, fingerprint(valid, Buffer.from("0123456789abcdef", "hex")))),
  c(rpc, "truncated body", IA, send(rpc, valid.subarray(0, valid.length - 2))),
  c(rpc, "trailing bytes", IA, send(rpc, Buffer.concat([valid, Buffer.from([0, 7])]))),
  c(rpc, "JSON instead of Avro", IA, send(rpc, Buffer.from(JSON.stringify({ jobId: "x", project: "demo" })))),
];

/** The Avro pipeline rows of the table. */
export const AVRO_CASES: readonly BadInputCase[] = [
  // ---- Init: framing and encoding ------------------------------------------------------
  c("Init", "a valid request answers PENDING (control)", OK, init()),
  ...framing("Init", good),
  c("Init", "a MonitorRequest's bytes (another record's fingerprint)", IA, send("Init", A.monitor("x"))),
  c("Init", "a JobStatus record (the response type)", IA, send("Init", JobStatusCodec.encode({ jobId: "x", state: "PENDING", progress: 0, message: "", imagesTotal: 1, imagesDone: 0, imagesFailed: 0, createdAtMillis: 0, updatedAtMillis: 0, resultUris: [] }))),
  c("Init", "union branch index 7 (no enum in the request schemas)", IA, send("Init", patched(5, avroLong(7)[0] ?? 0))),
  c("Init", "union branch index -1", IA, send("Init", patched(5, avroLong(-1)[0] ?? 0))),
  c("Init", "string length past the end", IA, send("Init", Buffer.concat([AVRO_HEADER.init, avroLong(2 ** 40)]))),
  c("Init", "negative string length", IA, send("Init", Buffer.concat([AVRO_HEADER.init, avroLong(-5), Buffer.from("demo")]))),
  c("Init", "array count 2^30 in a 30-byte message", IA, send("Init", initBody(avroLong(2 ** 30)))),
  c("Init", "array count -2^30 (block with size) in a 30-byte message", IA, send("Init", initBody(Buffer.concat([avroLong(-(2 ** 30)), avroLong(4)])))),
  c("Init", "array count 2^62", IA, send("Init", initBody(avroLong(2n ** 62n)))),
  c("Init", "a varint longer than 10 bytes", IA, send("Init", Buffer.concat([AVRO_HEADER.init, Buffer.alloc(12, 0xff), Buffer.from([0x01])]))),
  // ---- Init: values ----------------------------------------------------------------------
  c("Init", "empty image list", IA, init({ imageUris: [] })),
  c("Init", "10,001 images", IA, init({ imageUris: Array.from({ length: 10_001 }, () => "inferd://demo/present.png") })),
  c("Init", "an empty image URI", IA, init({ imageUris: [""] })),
  c("Init", "a file:// URI", IA, init({ imageUris: ["file:///etc/passwd"] })),
  c("Init", "an http:// URI", IA, init({ imageUris: ["http://example.com/a.png"] })),
  c("Init", "a URI with ../ into another project", IA, init({ imageUris: ["inferd://demo/../canary/keep.bin"] })),
  c("Init", "a percent-encoded .. is a literal name: accepted, the image fails in the job", OK, init({ imageUris: ["inferd://demo/%2e%2e/canary/keep.bin"] })),
  c("Init", "an image in another project", IA, init({ imageUris: ["inferd://canary/keep.bin"] })),
  c("Init", "a URI of 10,000 characters", IA, init({ imageUris: [`inferd://demo/${"u".repeat(10_000)}`] })),
  c("Init", "empty project", IA, init({ project: "", imageUris: ["inferd://demo/present.png"] })),
  c("Init", "project ..", IA, init({ project: "..", imageUris: ["inferd://demo/present.png"] })),
  c("Init", "project of 10,000 characters", IA, init({ project: "p".repeat(10_000) })),
  c("Init", "empty model", IA, init({ model: "" })),
  c("Init", "unknown model", NF, init({ model: "nope" })),
  c("Init", "model ../text", NF, init({ model: "../text" })),
  c("Init", "model name of 10,000 characters", NF, init({ model: "m".repeat(10_000) })),
  c("Init", "unknown version", NF, init({ version: "999" })),
  c("Init", "confidence threshold NaN", IA, init({ parameters: { confidenceThreshold: NaN } })),
  c("Init", "confidence threshold -Infinity", IA, init({ parameters: { confidenceThreshold: -Infinity } })),
  c("Init", "IoU threshold 2", IA, init({ parameters: { iouThreshold: 2 } })),
  c("Init", "max results 2^31-1", IA, init({ parameters: { maxResults: 2 ** 31 - 1 } })),
  c("Init", "max results -1 (Avro ints are signed)", IA, init({ parameters: { maxResults: -1 } })),
  c("Init", "max results -2^31", IA, init({ parameters: { maxResults: -(2 ** 31) } })),
  c("Init", "no token", UA, init({}, noToken)),
  c("Init", "a project the token does not cover", PD, init({ project: "canary", imageUris: ["inferd://canary/keep.bin"] }, demoOnly)),
  // ---- Monitor ---------------------------------------------------------------------------
  c("Monitor", "own job with a project token (control)", OK, ownJob("Monitor")),
  ...framing("Monitor", A.monitor("00000000-0000-4000-8000-000000000000")),
  c("Monitor", "an InitRequest's bytes", IA, send("Monitor", good)),
  c("Monitor", "empty job id", IA, send("Monitor", A.monitor(""))),
  c("Monitor", "unknown job id", NF, send("Monitor", A.monitor("00000000-0000-4000-8000-000000000000"))),
  c("Monitor", "unknown job id, follow", NF, send("Monitor", A.monitor("00000000-0000-4000-8000-000000000000", true))),
  c("Monitor", "job id ../../etc/passwd", NF, send("Monitor", A.monitor("../../etc/passwd"))),
  c("Monitor", "job id with NUL", NF, send("Monitor", A.monitor("a\u0000b"))),
  c("Monitor", "job id of 10,000 characters", NF, send("Monitor", A.monitor(long))),
  c("Monitor", "another project's job", NF, othersJob("Monitor")),
  c("Monitor", "no token", UA, send("Monitor", A.monitor("x"), noToken)),
  // ---- Cancel ----------------------------------------------------------------------------
  ...framing("Cancel", A.cancel("00000000-0000-4000-8000-000000000000")),
  c("Cancel", "an InitRequest's bytes", IA, send("Cancel", good)),
  c("Cancel", "empty job id", IA, send("Cancel", A.cancel(""))),
  c("Cancel", "unknown job id", NF, send("Cancel", A.cancel("00000000-0000-4000-8000-000000000000"))),
  c("Cancel", "job id ../../etc/passwd", NF, send("Cancel", A.cancel("../../etc/passwd"))),
  c("Cancel", "job id of 10,000 characters", NF, send("Cancel", A.cancel(long))),
  c("Cancel", "another project's job", NF, othersJob("Cancel")),
  c("Cancel", "no token", UA, send("Cancel", A.cancel("x"), noToken)),
];
