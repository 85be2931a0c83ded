import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../../../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer, type InferdServerOptions } from "../../../server";

// Issue #12 §3: with metrics on, GET /metrics is served on the HTTP port too, behind the REST auth.
let dir: string;
const servers: InferdServer[] = [];

beforeAll(async () => {
  dir = await tempDir("oip-rest-metrics");
  await mkdir(join(dir, "models"));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown(1000)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function start(name: string, extra: Partial<InferdServerOptions>): Promise<InferdServer> {
  const server = await createInferdServer({ host: "127.0.0.1", port: 0, httpPort: 0, dataDir: join(dir, name), modelsDir: join(dir, "models"), ...extra });
  servers.push(server);
  await server.ready;
  return server;
}

test("with metrics on, the HTTP port serves the same Prometheus text as --metrics-port", async () => {
  const server = await start("on", { metricsPort: 0 });
  const viaHttp = await fetch(`http://${server.httpAddress ?? "missing"}/metrics`);
  expect(viaHttp.status).toBe(200);
  expect(viaHttp.headers.get("content-type")).toMatch(/^text\/plain/);
  const text = await viaHttp.text();
  expect(text).toMatch(/^# HELP inferd_grpc_requests_total /m);
  expect(text).toMatch(/^process_cpu_seconds_total /m);
  const viaMetricsPort = await fetch(`http://${server.metricsAddress ?? "missing"}/metrics`);
  expect(viaMetricsPort.status).toBe(200);
  expect(await viaMetricsPort.text()).toMatch(/^# HELP inferd_grpc_requests_total /m);
});

test("with metrics off, GET /metrics on the HTTP port is 404", async () => {
  const server = await start("off", {});
  expect((await fetch(`http://${server.httpAddress ?? "missing"}/metrics`)).status).toBe(404);
});

test("with a token, GET /metrics on the HTTP port needs it (401 without or with a wrong one)", async () => {
  const token = "metrics-rest-token-0123456789";
  const server = await start("auth", { metricsPort: 0, tokens: [{ token, projects: ["*"], name: "t" }] });
  const url = `http://${server.httpAddress ?? "missing"}/metrics`;
  expect((await fetch(url)).status).toBe(401);
  expect((await fetch(url, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
  const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  expect(ok.status).toBe(200);
  expect(await ok.text()).toMatch(/^# HELP inferd_grpc_requests_total /m);
});
