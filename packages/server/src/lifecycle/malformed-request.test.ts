import { PingRequest, DiagnosticsService } from "@inferd/grpc-types/v1";
import { isMalformedRequest, withTolerantDecode } from "./malformed-request";

const ping = withTolerantDecode(DiagnosticsService as never)["ping"];

test("valid bytes decode as before", () => {
  const bytes = Buffer.from(PingRequest.encode({ message: "hi", payload: Buffer.from([1]) }).finish());
  const decoded = ping?.requestDeserialize(bytes) as PingRequest;
  expect(isMalformedRequest(decoded)).toBe(false);
  expect(decoded.message).toBe("hi");
});

test("bytes that do not parse become a MalformedRequest instead of throwing", () => {
  expect(() => DiagnosticsService.ping.requestDeserialize(Buffer.from([0x0a, 0x10, 0x61]))).toThrow();
  expect(isMalformedRequest(ping?.requestDeserialize(Buffer.from([0x0a, 0x10, 0x61])))).toBe(true);
});
