import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { InferenceClient } from "@inferd/grpc-types/v1";
import { downloadBytes } from "../__tests__/files-fixture";
import { startServer, type ServerFixture } from "../__tests__/server-fixture";

// Status messages that echo client input stay short however long the input (issue #10 item 9):
// an unbounded echo in grpc-message turns NOT_FOUND into RESOURCE_EXHAUSTED on C-core clients.
const SHORT = 400;

let f: ServerFixture;
let inference: InferenceClient;
beforeAll(async () => {
  f = await startServer();
  await f.server.ready;
  inference = new InferenceClient(f.server.address, credentials.createInsecure());
});
afterAll(async () => {
  inference.close();
  await f.close();
});

function failure(run: (done: (error: ServiceError | null) => void) => void): Promise<ServiceError> {
  return new Promise((resolve, reject) => run((error) => (error ? resolve(error) : reject(new Error("the call succeeded")))));
}

function firstStreamError(stream: NodeJS.EventEmitter): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    stream.on("data", () => undefined);
    stream.once("error", resolve);
    stream.once("end", () => reject(new Error("the stream ended without an error")));
  });
}

test("an 8,000-character model name gets NOT_FOUND with a short message", async () => {
  const error = await failure((done) =>
    inference.infer({ model: "m".repeat(8000), version: "", image: { $case: "imageData", value: Buffer.alloc(1) } }, (e) => done(e)),
  );
  expect(error.code).toBe(status.NOT_FOUND);
  expect(error.details.length).toBeLessThan(SHORT);
});

test("a long missing path gets NOT_FOUND with a short message", async () => {
  const path = `${"d".repeat(250)}/`.repeat(3) + "f".repeat(250); // 1,003 bytes: a valid path
  const error = await downloadBytes(f.files, `inferd://demo/${path}`).then(
    () => Promise.reject(new Error("the download succeeded")),
    (e: ServiceError) => e,
  );
  expect(error.code).toBe(status.NOT_FOUND);
  expect(error.details.length).toBeLessThan(SHORT);
});

test("a long invalid path gets INVALID_ARGUMENT with a short message", async () => {
  const error = await failure((done) => f.files.deleteFile({ uri: `inferd://demo/${"x".repeat(900)}/../y` }, (e) => done(e)));
  expect(error.code).toBe(status.INVALID_ARGUMENT);
  expect(error.details.length).toBeLessThan(SHORT);
});

test("a long unknown job id gets NOT_FOUND with a short message", async () => {
  const error = await firstStreamError(inference.watchJob({ jobId: "j".repeat(8000) }));
  expect(error.code).toBe(status.NOT_FOUND);
  expect(error.details.length).toBeLessThan(SHORT);
  const cancel = await failure((done) => inference.cancelJob({ jobId: "j".repeat(8000) }, (e) => done(e)));
  expect(cancel.code).toBe(status.NOT_FOUND);
  expect(cancel.details.length).toBeLessThan(SHORT);
});
