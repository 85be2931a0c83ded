import { randomBytes } from "node:crypto";
import { UploadRequest } from "@inferd/grpc-types/v1";
import { decodeUploadRequest } from "./files-upload-codec";

const encode = (request: UploadRequest): Buffer => Buffer.from(UploadRequest.encode(request).finish());
const chunk = (value: Buffer): UploadRequest => ({ content: { $case: "chunk", value } });

describe("decodeUploadRequest", () => {
  test.each([0, 1, 127, 128, 16_383, 16_384, 1 << 20])("a %i-byte chunk decodes as a view of the message, equal to the generated decode", (size) => {
    const message = encode(chunk(randomBytes(size)));
    const decoded = decodeUploadRequest(message);
    expect(decoded).toEqual(UploadRequest.decode(message));
    if (decoded.content?.$case !== "chunk") throw new Error("not a chunk");
    // A view: it shares the received buffer's memory (the generated codec copies).
    expect(decoded.content.value.buffer).toBe(message.buffer);
    expect(decoded.content.value.byteOffset).toBe(message.byteOffset + message.length - size);
  });

  test("a header, or a chunk followed by other fields, goes through the generated codec", () => {
    const header = encode({ content: { $case: "header", value: { project: "p", path: "a", offset: 5n, totalSize: 9n, sha256: "", restart: true } } });
    expect(decodeUploadRequest(header)).toEqual(UploadRequest.decode(header));
    const trailing = Buffer.concat([encode(chunk(Buffer.from("abc"))), encode(chunk(Buffer.from("xyz")))]);
    const decoded = decodeUploadRequest(trailing);
    expect(decoded).toEqual(UploadRequest.decode(trailing));
    expect(decoded.content).toEqual({ $case: "chunk", value: Buffer.from("xyz") });
  });

  test("a truncated chunk fails as the generated codec does", () => {
    const message = encode(chunk(randomBytes(300))).subarray(0, 200);
    expect(() => UploadRequest.decode(message)).toThrow();
    expect(() => decodeUploadRequest(message)).toThrow();
  });
});
