import { randomBytes } from "node:crypto";
import { UploadRequest } from "@inferd/grpc-types/v1";
import { encodeUploadRequest } from "./upload-codec";

const generated = (request: UploadRequest): Buffer => Buffer.from(UploadRequest.encode(request).finish());

test.each([0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152])("a %i-byte chunk encodes to the generated codec's bytes", (size) => {
  const request: UploadRequest = { content: { $case: "chunk", value: randomBytes(size) } };
  expect(encodeUploadRequest(request).equals(generated(request))).toBe(true);
});

test("a header encodes through the generated codec", () => {
  const request: UploadRequest = {
    content: { $case: "header", value: { project: "p", path: "a/b", offset: 7n, totalSize: 9n, sha256: "ab".repeat(32), restart: true } },
  };
  expect(encodeUploadRequest(request).equals(generated(request))).toBe(true);
});
