import fc from "fast-check";
import { createBase64Encoder, decodeTextBody, encodeTrailerFrame, TRAILER_FLAG } from "./frames";

test("chunked base64 output decodes to the bytes in, whatever the chunking", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
      const encoder = createBase64Encoder();
      const text = chunks.map((c) => encoder.push(Buffer.from(c))).join("") + encoder.end();
      // One continuous base64 text: padding only at its very end.
      expect(text.replace(/=+$/, "")).not.toContain("=");
      expect(decodeTextBody(text)).toEqual(Buffer.concat(chunks.map((c) => Buffer.from(c))));
    }),
  );
});

test("request bodies made of separately padded base64 chunks decode whole", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 6 }), (chunks) => {
      const text = chunks.map((c) => Buffer.from(c).toString("base64")).join("");
      expect(decodeTextBody(text)).toEqual(Buffer.concat(chunks.map((c) => Buffer.from(c))));
    }),
  );
  expect(() => decodeTextBody("not*base64")).toThrow();
});

test("the trailer frame has the 0x80 flag, its length, and lower-case header lines", () => {
  const frame = encodeTrailerFrame({ "Grpc-Status": "5", "grpc-message": "gone" });
  expect(frame.readUInt8(0)).toBe(TRAILER_FLAG);
  expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
  expect(frame.subarray(5).toString()).toBe("grpc-status: 5\r\ngrpc-message: gone\r\n");
});
