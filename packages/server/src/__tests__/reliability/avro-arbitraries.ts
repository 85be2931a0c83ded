/**
 * fast-check arbitraries of inferd.avro.Pipeline requests: valid single-object encodings from
 * the generated codecs carrying absurd values (NaN and infinite thresholds, signed max results,
 * traversal URIs, huge image lists), and the same encodings damaged (a byte changed, cut,
 * trailing bytes, another fingerprint, an absurd array count spliced in) or replaced by random
 * bytes behind a valid header.
 */
import fc from "fast-check";
import type { InitRequest } from "@inferd/grpc-types/avro";
import { AVRO_HEADER, AVRO_PATH, avroLong, encodeAvro as A } from "./avro-requests";
import { MODEL } from "./suite-server";

const anyText = fc.string({ unit: "binary", maxLength: 48 });
const text = (...interesting: string[]): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.constantFrom(...interesting), weight: 3 }, { arbitrary: anyText, weight: 2 }, fc.string({ maxLength: 300 }));
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));

// Projects Init may write results to: fuzz projects and demo (whose canaries are never a result path).
const project = text("demo", "fuzz", "", "..", ".x", "-x", "a/b", "p".repeat(65));
const uri = fc.oneof(
  { arbitrary: fc.constantFrom("inferd://demo/present.png", "inferd://demo/notes/readme.txt", "inferd://fuzz/a.png"), weight: 4 },
  fc.constantFrom("", "inferd://", "inferd://demo", "inferd://demo/../canary/keep.bin", "inferd://demo/%2e%2e/x", "inferd://canary/keep.bin", "inferd://demo/escape/secret.txt", "file:///etc/passwd", "http://x/y"),
  fc.tuple(project, anyText).map(([p, path]) => `inferd://${p}/${path}`),
  anyText,
);
const unit = fc.oneof(fc.constantFrom(null, 0, 0.5, 1, -0, NaN, Infinity, -Infinity, 1.0000001, -1e-45), fc.float());
const int32 = fc.oneof(fc.constantFrom(null, 0, 1, -1, 100_000, 100_001, 2 ** 31 - 1, -(2 ** 31)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const parameters = fc.record({ confidenceThreshold: unit, iouThreshold: unit, maxResults: int32, returnMask: fc.boolean() }, { requiredKeys: [] });
const imageUris = fc.oneof({ arbitrary: fc.array(uri, { maxLength: 4 }), weight: 8 }, fc.integer({ min: 5, max: 300 }).chain((n) => fc.array(uri, { minLength: n, maxLength: n })));

const inRange = fc.record(
  { confidenceThreshold: fc.oneof(fc.constant(null), fc.float({ min: 0, max: 1, noNaN: true })), iouThreshold: fc.oneof(fc.constant(null), fc.float({ min: 0, max: 1, noNaN: true })), maxResults: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 100_000 })), returnMask: fc.boolean() },
  { requiredKeys: [] },
);
/** A job the server accepts (the demo PNG, or a missing image that fails in the job), with parameters at the edges of their ranges. */
const acceptedInit: fc.Arbitrary<InitRequest> = fc.record({
  project: fc.constant("demo"),
  model: fc.constant(MODEL),
  version: fc.constantFrom("", "1"),
  imageUris: fc.array(fc.constantFrom("inferd://demo/present.png", "inferd://demo/missing.png"), { minLength: 1, maxLength: 3 }),
  parameters: inRange,
  persistence: fc.boolean(),
});
const anyInit: fc.Arbitrary<InitRequest> = fc.record(
  {
    project,
    model: text(MODEL, MODEL, "", "nope", "../text", "m".repeat(2000)),
    version: text("", "1", "999", "../1"),
    imageUris,
    parameters,
    persistence: fc.boolean(),
  },
  { requiredKeys: ["project", "model", "imageUris"] },
);
const initRequest = fc.oneof({ arbitrary: anyInit, weight: 2 }, { arbitrary: acceptedInit, weight: 1 });
const jobId = text("", "00000000-0000-4000-8000-000000000000", "../../etc/passwd", "a\u0000b", "j".repeat(5000));

/** A valid frame, damaged in one of several ways (or left valid). */
function damaged(valid: fc.Arbitrary<Buffer>, header: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { arbitrary: valid, weight: 6 },
    fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([frame, at, byte]) => {
      const copy = Buffer.from(frame);
      copy[at % copy.length] = byte;
      return copy;
    }),
    fc.tuple(valid, fc.nat()).map(([frame, at]) => frame.subarray(0, at % frame.length)),
    fc.tuple(valid, bytes(16)).map(([frame, tail]) => Buffer.concat([frame, tail.length > 0 ? tail : Buffer.from([0])])),
    fc.tuple(valid, bytes(8)).map(([frame, print]) => Buffer.concat([frame.subarray(0, 2), Buffer.concat([print, Buffer.alloc(8)]).subarray(0, 8), frame.subarray(10)])),
    // An absurd long (array count, string length, union index) spliced in anywhere in the body.
    fc.tuple(valid, fc.nat(), fc.oneof(fc.constantFrom(2 ** 30, -(2 ** 30), 2 ** 53), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }))).map(([frame, at, n]) => {
      const cut = 10 + (at % Math.max(1, frame.length - 10));
      return Buffer.concat([frame.subarray(0, cut), avroLong(n), frame.subarray(cut)]);
    }),
    bytes(96).map((body) => Buffer.concat([header, body])),
  );
}

/** Arbitrary calls of the Avro pipeline RPCs, keyed by path. */
export function avroArbitraries(): Record<string, fc.Arbitrary<Buffer[]>> {
  return {
    [AVRO_PATH.init]: damaged(initRequest.map((r) => A.init(r)), AVRO_HEADER.init).map((frame) => [frame]),
    [AVRO_PATH.monitor]: damaged(fc.tuple(jobId, fc.boolean()).map(([id, follow]) => A.monitor(id, follow)), AVRO_HEADER.monitor).map((frame) => [frame]),
    [AVRO_PATH.cancel]: damaged(jobId.map((id) => A.cancel(id)), AVRO_HEADER.cancel).map((frame) => [frame]),
  };
}
