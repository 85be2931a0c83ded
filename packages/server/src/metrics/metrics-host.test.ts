import { startServer, type ServerFixture } from "../__tests__/server-fixture";
import type { Logger } from "../logger";

// Issue #10 item 19: the metrics endpoint has no auth, so it must not follow --host off loopback.
let f: ServerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const TOKENS = [{ token: "metrics-test-token-0123", projects: ["*"], name: "t" }];

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = (): void => undefined;
  return { warnings, logger: { debug: ignore, info: ignore, error: ignore, warn: (_obj, msg) => warnings.push(msg ?? "") } };
}

test("with gRPC on every interface, metrics still bind loopback by default, without a warning", async () => {
  const { logger, warnings } = recordingLogger();
  f = await startServer({ host: "0.0.0.0", tokens: TOKENS, metricsPort: 0, logger });
  expect(f.server.metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
  const response = await fetch(`http://${f.server.metricsAddress}/metrics`);
  expect(response.status).toBe(200);
  expect(warnings).toEqual([]);
});

test("--metrics-host off loopback is honoured and logged as a warning", async () => {
  const { logger, warnings } = recordingLogger();
  f = await startServer({ metricsHost: "0.0.0.0", metricsPort: 0, logger });
  expect(f.server.metricsAddress).toMatch(/^0\.0\.0\.0:\d+$/);
  expect(warnings).toHaveLength(1);
});
