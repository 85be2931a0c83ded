import { Metadata, status } from "@grpc/grpc-js";
import { PingRequest } from "@inferd/grpc-types/v1";
import { grpcMessage, unaryWithRawHeaders } from "../__tests__/raw-http2";
import { startServer, type ServerFixture } from "../__tests__/server-fixture";
import { createAuthorizer } from "./authorizer";
import { createTokenTable } from "./token-table";

// Issue #10 item 11: with two authorization headers the first silently won.
const GOOD = "good-token-0123456789";
const OTHER = "other-token-0123456789";

let f: ServerFixture;
beforeAll(async () => {
  f = await startServer({ tokens: [{ token: GOOD, projects: ["*"], name: "good" }] });
  await f.server.ready;
});
afterAll(async () => f.close());

const ping = grpcMessage(Buffer.from(PingRequest.encode({ message: "hi", payload: Buffer.alloc(0) }).finish()));
const fields = (...authorization: string[]): Array<readonly [string, string]> => [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", "/inferd.v1.Diagnostics/Ping"],
  [":authority", "127.0.0.1"],
  ["content-type", "application/grpc"],
  ["te", "trailers"],
  ...authorization.map((value) => ["authorization", value] as const),
];

test("one valid authorization header is accepted (the raw client itself works)", async () => {
  expect(await unaryWithRawHeaders(f.server.port, fields(`Bearer ${GOOD}`), ping)).toBe(status.OK);
});

test("two authorization headers are refused with UNAUTHENTICATED, whichever comes first", async () => {
  expect(await unaryWithRawHeaders(f.server.port, fields(`Bearer ${GOOD}`, `Bearer ${OTHER}`), ping)).toBe(status.UNAUTHENTICATED);
  expect(await unaryWithRawHeaders(f.server.port, fields(`Bearer ${OTHER}`, `Bearer ${GOOD}`), ping)).toBe(status.UNAUTHENTICATED);
  expect(await unaryWithRawHeaders(f.server.port, fields(`Bearer ${GOOD}`, `Bearer ${GOOD}`), ping)).toBe(status.UNAUTHENTICATED);
});

test("the authorizer refuses metadata with two authorization values", () => {
  const auth = createAuthorizer(createTokenTable([{ token: GOOD, projects: ["*"], name: "good" }]));
  const metadata = new Metadata();
  metadata.add("authorization", `Bearer ${GOOD}`);
  metadata.add("authorization", `Bearer ${GOOD}`);
  expect(() => auth.authenticate(metadata)).toThrow(expect.objectContaining({ kind: "unauthenticated" }));
});
