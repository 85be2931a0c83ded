import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { createInferdClient } from "./client";
import { InferdClientError, statusCodeName, toClientError } from "./errors";

function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
}

test("names status codes", () => {
  expect(statusCodeName(status.UNAUTHENTICATED)).toBe("UNAUTHENTICATED");
  expect(statusCodeName(status.OK)).toBe("OK");
  expect(statusCodeName(99)).toBe("CODE_99");
});

test("keeps the code, its name and the details of a ServiceError", () => {
  const error = toClientError(serviceError(status.NOT_FOUND, 'no model "x"'), "h:1");
  expect(error).toBeInstanceOf(InferdClientError);
  expect(error).toMatchObject({ code: status.NOT_FOUND, codeName: "NOT_FOUND", details: 'no model "x"', unreachable: false, address: "h:1" });
  expect(error.message).toBe('NOT_FOUND: no model "x"');
});

test("a connection failure reads 'cannot reach inferd at ADDRESS'", () => {
  const error = toClientError(
    serviceError(status.UNAVAILABLE, "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: "),
    "127.0.0.1:9",
  );
  expect(error).toMatchObject({ code: status.UNAVAILABLE, unreachable: true });
  expect(error.message).toBe("cannot reach inferd at 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9");
});

test("an UNAVAILABLE answer from a running server is not 'unreachable'", () => {
  expect(toClientError(serviceError(status.UNAVAILABLE, "model ocr is still loading"), "h:1").unreachable).toBe(false);
});

test("anything else becomes UNKNOWN, and an InferdClientError passes through", () => {
  const original = new InferdClientError(status.DATA_LOSS, { details: "d" });
  expect(toClientError(original)).toBe(original);
  expect(toClientError(new Error("boom"))).toMatchObject({ code: status.UNKNOWN, details: "boom" });
});

test("a real call to a closed port rejects with an unreachable UNAVAILABLE", async () => {
  const client = createInferdClient({ address: "127.0.0.1:1", deadlineMs: 5_000 });
  try {
    const error = await client.ping().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: status.UNAVAILABLE, unreachable: true });
    expect((error as Error).message).toMatch(/^cannot reach inferd at 127\.0\.0\.1:1/);
  } finally {
    client.close();
  }
});
