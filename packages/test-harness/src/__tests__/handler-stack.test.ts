import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { status, type ServiceError } from "@grpc/grpc-js";
import { DiagnosticsClient, DiagnosticsService } from "@inferd/grpc-types/v1";
import { createTestServer, implement, TEST_MODES, unary } from "../index";

const HERE = __filename;

function lineOf(file: string, needle: string): number {
  const index = readFileSync(file, "utf8").split("\n").findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`"${needle}" not found in ${file}`);
  return index + 1;
}

function explode(): never {
  throw new Error("handler bug"); // the line the fake-mode error must point at
}

describe.each(TEST_MODES)("a handler that throws (%s)", (mode) => {
  test("answers UNKNOWN and keeps the thrown error in server.calls", async () => {
    await using server = await createTestServer({ mode, services: [implement(DiagnosticsService, { ping: explode })] });
    const client = server.client(DiagnosticsClient);
    const error = (await unary(client.ping.bind(client), { message: "", payload: Buffer.alloc(0) }).catch(
      (e: unknown) => e,
    )) as ServiceError & { cause?: Error };
    expect(error.code).toBe(status.UNKNOWN);
    await server.settled();
    expect((server.calls[0]?.handlerError as Error).message).toBe("handler bug");
    if (mode === "fake") {
      // The client error carries the handler's own error, with the handler's file and line.
      const line = lineOf(HERE, 'throw new Error("handler bug")');
      expect(error.cause?.stack).toContain(`handler-stack.test.ts:${line}:`);
    } else {
      expect(error.cause).toBeUndefined();
    }
  });
});

test("in fake mode, jest's failure report shows the throwing handler's file and line", async () => {
  const fixture = join(__dirname, "fixtures", "throwing-handler.fixture.ts");
  // The README's jest config (preset "@inferd/test-harness"), pointed at the failing fixture.
  const config = join(__dirname, "fixtures", "jest.config.example.cjs");
  const args = [require.resolve("jest/bin/jest"), "--config", config, "--testMatch", "<rootDir>/*.fixture.ts", "--ci"];
  const run = await promisify(execFile)(process.execPath, args, {
    cwd: join(__dirname, "fixtures"),
    env: { ...process.env, FORCE_COLOR: "0" },
  }).then(
    () => ({ failed: false, report: "" }),
    (error: { stderr: string }) => ({ failed: true, report: error.stderr }),
  );
  expect(run.failed).toBe(true);
  expect(run.report).toContain("2 UNKNOWN: Unknown error");
  expect(run.report).toContain("Cause:");
  const line = lineOf(fixture, "is not a number");
  expect(run.report).toContain(`throwing-handler.fixture.ts:${line}:`);
});
