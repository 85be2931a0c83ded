import { status } from "@grpc/grpc-js";
import { InferdClientError, localError } from "../errors";
import { describeFailure, hintFor } from "./hints";

test("UNAVAILABLE with nothing answering asks whether the server runs at the address", () => {
  expect(hintFor(status.UNAVAILABLE, { address: "127.0.0.1:1" })).toContain("is the server running at 127.0.0.1:1?");
});

test("UNAVAILABLE sent by a running server points at model states instead", () => {
  const hint = hintFor(status.UNAVAILABLE, { address: "127.0.0.1:1", unreachable: false });
  expect(hint).not.toContain("is the server running");
  expect(hint).toContain("inferctl models");
});

test("every status code has its own hint, not the fallback", () => {
  const fallback = hintFor(999 as status, { address: "a:1" });
  const hints = new Map<string, status[]>();
  for (let code = status.CANCELLED; code <= status.UNAUTHENTICATED; code++) {
    const hint = hintFor(code, { address: "a:1" });
    expect([code, hint]).not.toEqual([code, fallback]);
    hints.set(hint, [...(hints.get(hint) ?? []), code]);
  }
  // Only UNKNOWN and INTERNAL share one (both mean "the server failed; see its log").
  const shared = [...hints.values()].filter((codes) => codes.length > 1);
  expect(shared).toEqual([[status.UNKNOWN, status.INTERNAL]]);
});

test("NOT_FOUND fits the command: job ids, health services, files, models", () => {
  for (const command of ["watch", "cancel"]) expect(hintFor(status.NOT_FOUND, { address: "a:1", command })).toContain("job id");
  expect(hintFor(status.NOT_FOUND, { address: "a:1", command: "health" })).toContain("service");
  expect(hintFor(status.NOT_FOUND, { address: "a:1", command: "download" })).toContain("inferctl ls");
  for (const command of ["watch", "health", "download"]) expect(hintFor(status.NOT_FOUND, { address: "a:1", command })).not.toContain("inferctl models");
  expect(hintFor(status.NOT_FOUND, { address: "a:1", command: "infer" })).toContain("inferctl models");
});

test("RESOURCE_EXHAUSTED tells an oversized message from a full quota", () => {
  const tooLarge = hintFor(status.RESOURCE_EXHAUSTED, { address: "a:1", details: "Received message larger than max (300000 vs 65536)" });
  expect(tooLarge).toContain("--max-message-mb");
  expect(tooLarge).not.toContain("rm");
  expect(hintFor(status.RESOURCE_EXHAUSTED, { address: "a:1", details: 'project "p" uses 10 of its 10-byte quota' })).toContain("inferctl rm");
});

test("a TLS handshake answered in plaintext says the server does not speak TLS", () => {
  const error = new InferdClientError(status.UNAVAILABLE, {
    details: "No connection established. Last error: Error: 80CC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number",
    address: "a:1",
    unreachable: true,
  });
  const tls = describeFailure(error, { address: "a:1", tls: true });
  expect(tls.message).toContain("does not speak TLS");
  expect(tls.message).not.toContain("SSL routines");
  expect(tls.hint).toContain("without --tls");
  expect(tls.hint).not.toContain("is the server running");
});

test("local errors are never blamed on the server", () => {
  const error = localError("cannot write a/b.part", Object.assign(new Error("ENOENT: no such file or directory"), { code: "ENOENT" }));
  expect(error.local).toBe(true);
  const { message, hint } = describeFailure(error, { address: "a:1", command: "download" });
  expect(message).toMatch(/^local error: /);
  expect(hint).not.toContain("server failed");
  expect(hint).toContain("not on the server");
});
