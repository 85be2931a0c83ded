import { MAX_QUOTED_CHARS, quote } from "./quote";
import { InferdError, MAX_STATUS_MESSAGE_CHARS, toServiceError } from "./errors";
import { Metadata, status } from "@grpc/grpc-js";

test("quote keeps short values whole and JSON-quoted", () => {
  expect(quote("a/b.png")).toBe('"a/b.png"');
  expect(quote("line\nbreak")).toBe('"line\\nbreak"');
});

test("quote cuts long values to MAX_QUOTED_CHARS with an ellipsis", () => {
  const quoted = quote("m".repeat(8000));
  expect(JSON.parse(quoted)).toBe(`${"m".repeat(MAX_QUOTED_CHARS)}…`);
});

test("quote never leaves half a surrogate pair", () => {
  const quoted = JSON.parse(quote(`${"a".repeat(MAX_QUOTED_CHARS - 1)}😀tail`)) as string;
  expect(quoted).toBe(`${"a".repeat(MAX_QUOTED_CHARS - 1)}…`);
});

test("toServiceError caps every status message, keeping the code", () => {
  const long = "x".repeat(50_000);
  const mapped = toServiceError(new InferdError("not-found", long));
  expect(mapped.code).toBe(status.NOT_FOUND);
  expect(mapped.details.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
  const service = Object.assign(new Error(long), { code: status.INVALID_ARGUMENT, details: long, metadata: new Metadata() });
  const mappedService = toServiceError(service);
  expect(mappedService.code).toBe(status.INVALID_ARGUMENT);
  expect(mappedService.details.length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
});
