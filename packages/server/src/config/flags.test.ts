import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTempDir } from "../__tests__/files-fixture";
import { ConfigError, parseBinaryConfig } from "./flags";

test("defaults: loopback, port 50051, 64 MiB both ways, auth off, metrics off", () => {
  const config = parseBinaryConfig([], {});
  expect(config.server).toMatchObject({ host: "127.0.0.1", port: 50051, maxMessageBytes: 64 * 1024 * 1024, tokens: [], allowUnauthenticated: false });
  expect(config.server.metricsPort).toBeUndefined();
  expect(config.logLevel).toBe("info");
});

test("environment variables apply, and a flag wins over its variable", () => {
  const env = { INFERD_PORT: "7000", INFERD_HOST: "::1", INFERD_TOKEN: "env-token-0123456789", INFERD_QUOTA_MB: "2", INFERD_ALLOW_UNAUTHENTICATED: "true" };
  const config = parseBinaryConfig(["--port", "0", "--metrics-port", "9464"], env);
  expect(config.server).toMatchObject({ host: "::1", port: 0, quotaBytesPerProject: 2 * 1024 * 1024, metricsPort: 9464, allowUnauthenticated: true });
  expect(config.server.tokens).toEqual([{ token: "env-token-0123456789", projects: ["*"], name: "token" }]);
});

test.each([
  [["--port", "70000"]],
  [["--port", "abc"]],
  [["--max-message-mb", "0"]],
  [["--log-level", "loud"]],
  [["--token", "short"]],
  [["--tls-cert", "a.pem"]],
  [["--tls-ca", "ca.pem"]],
  [["--tokens-file", "/no/such/file.json"]],
  [["--unknown-flag"]],
])("%j is refused with a ConfigError", (argv) => {
  expect(() => parseBinaryConfig(argv, {})).toThrow(ConfigError);
});

test("a tokens file grants projects; a bad one names the entry", async () => {
  const temp = await createTempDir("flags");
  const good = join(temp.dir, "good.json");
  writeFileSync(good, JSON.stringify({ tokens: [{ name: "ci", token: "ci-token-0123456789", projects: ["ci", "shared"] }] }));
  expect(parseBinaryConfig(["--tokens-file", good], {}).server.tokens).toEqual([{ name: "ci", token: "ci-token-0123456789", projects: ["ci", "shared"] }]);
  const bad = join(temp.dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ tokens: [{ token: "ci-token-0123456789", projects: ["../x"] }] }));
  expect(() => parseBinaryConfig(["--tokens-file", bad], {})).toThrow(/tokens\[0\]\.projects/);
  await temp.cleanup();
});

test("the HTTP API (OIP REST, gRPC-Web) is on by default at 8000, beside --host; --http-port / INFERD_HTTP_PORT move it, off turns it off", () => {
  expect(parseBinaryConfig([], {}).server.httpPort).toBe(8000);
  expect(parseBinaryConfig([], {}).server.httpHost).toBeUndefined(); // the gRPC host: loopback unless --host says otherwise
  expect(parseBinaryConfig([], { INFERD_HTTP_PORT: "8080", INFERD_HTTP_HOST: "::1" }).server).toMatchObject({ httpPort: 8080, httpHost: "::1" });
  expect(parseBinaryConfig(["--http-port", "0"], { INFERD_HTTP_PORT: "8000" }).server.httpPort).toBe(0);
  expect(parseBinaryConfig(["--http-port", "off"], {}).server.httpPort).toBeUndefined();
  expect(parseBinaryConfig([], { INFERD_HTTP_PORT: "OFF" }).server.httpPort).toBeUndefined();
  expect("httpPort" in parseBinaryConfig(["--http-port", "off"], {}).server).toBe(false);
  expect(() => parseBinaryConfig(["--http-port", "70000"], {})).toThrow(ConfigError);
  expect(() => parseBinaryConfig(["--http-port", "no"], {})).toThrow(ConfigError);
});

test("connection limits: flags and variables set the caps on connections, streams and metadata", () => {
  const config = parseBinaryConfig(["--max-connections", "5", "--max-concurrent-streams", "10"], { INFERD_MAX_METADATA_KB: "32" });
  expect(config.server.connections).toEqual({ maxConnections: 5, maxConcurrentStreams: 10, maxHeaderListBytes: 32 * 1024 });
  expect(parseBinaryConfig([], {}).server.connections).toEqual({});
  expect(() => parseBinaryConfig(["--max-metadata-kb", "0"], {})).toThrow(ConfigError);
  expect(() => parseBinaryConfig(["--max-concurrent-streams", "0"], {})).toThrow(ConfigError);
});

test("model control mode: none by default; poll with its interval, explicit, from flags or environment", () => {
  expect(parseBinaryConfig([], {}).server.inference).toMatchObject({ modelControlMode: "none" });
  expect(parseBinaryConfig([], {}).server.inference?.repositoryPollMs).toBeUndefined();
  expect(parseBinaryConfig(["--model-control-mode", "poll", "--repository-poll-secs", "2"], {}).server.inference).toMatchObject({
    modelControlMode: "poll",
    repositoryPollMs: 2000,
  });
  expect(parseBinaryConfig([], { INFERD_MODEL_CONTROL_MODE: "explicit" }).server.inference).toMatchObject({ modelControlMode: "explicit" });
  expect(() => parseBinaryConfig(["--model-control-mode", "watch"], {})).toThrow(ConfigError);
  expect(() => parseBinaryConfig(["--model-control-mode", "poll", "--repository-poll-secs", "0"], {})).toThrow(ConfigError);
  expect(() => parseBinaryConfig(["--repository-poll-secs", "3"], {})).toThrow(ConfigError);
});

test("Infer admission limits and the decode budget come from flags and environment", () => {
  const config = parseBinaryConfig(["--infer-concurrency", "2", "--decode-budget-mb", "256", "--helper-nice", "0"], { INFERD_INFER_QUEUE_SIZE: "5" });
  expect(config.server.inference).toMatchObject({ inferConcurrency: 2, inferQueueSize: 5, decodeBudgetBytes: 256 * 1024 * 1024, helperThreadNice: 0 });
  expect(() => parseBinaryConfig(["--infer-concurrency", "0"], {})).toThrow(ConfigError);
  expect(() => parseBinaryConfig(["--helper-nice", "20"], {})).toThrow(ConfigError);
});

test("gRPC-Web CORS origins: none by default; --cors-origin / INFERD_CORS_ORIGINS take a comma list", () => {
  expect(parseBinaryConfig([], {}).server.corsOrigins).toBeUndefined();
  expect(parseBinaryConfig(["--cors-origin", "http://a.test, http://b.test:8080"], {}).server.corsOrigins).toEqual(["http://a.test", "http://b.test:8080"]);
  expect(parseBinaryConfig([], { INFERD_CORS_ORIGINS: "*" }).server.corsOrigins).toEqual(["*"]);
});


test("--response-cache-mb / INFERD_RESPONSE_CACHE_MB bound the response cache; 0 turns it off; unset leaves the default", () => {
  expect(parseBinaryConfig(["--response-cache-mb", "64"], {}).server.inference).toMatchObject({ responseCacheBytes: 64 * 1024 * 1024 });
  expect(parseBinaryConfig([], { INFERD_RESPONSE_CACHE_MB: "0" }).server.inference).toMatchObject({ responseCacheBytes: 0 });
  expect(parseBinaryConfig([], {}).server.inference).not.toHaveProperty("responseCacheBytes");
  expect(() => parseBinaryConfig(["--response-cache-mb", "-1"], {})).toThrow(ConfigError);
});
