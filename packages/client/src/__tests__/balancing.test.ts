import { get } from "node:http";
import { createInferdClient, type InferdClient } from "@inferd/client";
import { runCli } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

// One client, several replicas: calls spread round-robin over them, and one that goes away
// gets no more calls while the others answer every one. Each replica counts the calls it
// handled itself (its Prometheus endpoint), so the spread is measured where it lands.

jest.setTimeout(60_000);

const servers: ServerFixture[] = [];
const clients: InferdClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function replicas(count: number): Promise<ServerFixture[]> {
  const started = await Promise.all(Array.from({ length: count }, () => startServer({ metricsPort: 0 })));
  servers.push(...started);
  return started;
}

/** Ping calls the server has answered OK so far, from its own metrics. */
function pings(server: ServerFixture): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`http://${server.server.metricsAddress}/metrics`, (response) => {
      let text = "";
      response.on("data", (data: Buffer) => (text += data.toString()));
      response.on("end", () => {
        const line = text.split("\n").find((l) => l.startsWith("inferd_grpc_requests_total{") && l.includes('method="Ping"') && l.includes('code="OK"'));
        resolve(line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1)));
      });
    }).on("error", reject);
  });
}

const counts = (fixtures: ServerFixture[]): Promise<number[]> => Promise.all(fixtures.map(pings));

/** Pings until every replica answered one (its connection is up), at most `limit` times. */
async function warmUp(client: InferdClient, fixtures: ServerFixture[], limit = 200): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if ((await counts(fixtures)).every((count) => count > 0)) return;
    await client.ping("warm-up");
  }
  throw new Error(`not every replica was reached in ${limit} calls: ${(await counts(fixtures)).join(", ")}`);
}

async function pingTimes(client: InferdClient, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await client.ping(`call ${i}`);
}

test("unary calls spread round-robin over 3 replicas, and the client goes on with 2 when one goes away", async () => {
  const fixtures = await replicas(3);
  const client = createInferdClient({ address: fixtures.map((f) => f.address) });
  clients.push(client);
  await warmUp(client, fixtures);

  const before = await counts(fixtures);
  await pingTimes(client, 30);
  const spread = (await counts(fixtures)).map((count, i) => count - (before[i] ?? 0));
  expect(spread.reduce((a, b) => a + b, 0)).toBe(30);
  // Round-robin over three connected replicas: 10 each (a little slack for a reconnect).
  for (const share of spread) expect(share).toBeGreaterThanOrEqual(8);

  const [first, gone, third] = fixtures as [ServerFixture, ServerFixture, ServerFixture];
  await gone.server.shutdown(0);
  const left = [first, third];
  const beforeLeft = await counts(left);
  // Every call succeeds (a failure rejects and fails the test) and lands on the two left.
  await pingTimes(client, 30);
  const after = (await counts(left)).map((count, i) => count - (beforeLeft[i] ?? 0));
  expect(after[0]! + after[1]!).toBe(30);
  for (const share of after) expect(share).toBeGreaterThanOrEqual(12);
});

test("a comma-separated list of host names balances too (each name resolved by the system resolver)", async () => {
  const fixtures = await replicas(2);
  // "localhost" may also resolve to ::1, where nothing listens: that address is skipped.
  const client = createInferdClient({ address: fixtures.map((f) => f.address.replace("127.0.0.1", "localhost")).join(",") });
  clients.push(client);
  await warmUp(client, fixtures);
  const before = await counts(fixtures);
  await pingTimes(client, 20);
  const spread = (await counts(fixtures)).map((count, i) => count - (before[i] ?? 0));
  expect(spread.reduce((a, b) => a + b, 0)).toBe(20);
  for (const share of spread) expect(share).toBeGreaterThanOrEqual(7);
});

test("a dns: target reaches the server its name resolves to", async () => {
  const [fixture] = (await replicas(1)) as [ServerFixture];
  const client = createInferdClient({ address: `dns:${fixture.address.replace("127.0.0.1", "localhost")}` });
  clients.push(client);
  expect((await client.ping("over dns")).message).toBe("over dns");
  expect(await pings(fixture)).toBe(1);
});

test("inferctl --address takes a comma-separated list of replicas", async () => {
  const fixtures = await replicas(2);
  const address = fixtures.map((f) => f.address).join(",");
  // One process (and call) per run: which replica answers depends on which connects first,
  // so this checks that the CLI dials the list; the spread is measured above.
  for (let i = 0; i < 6; i++) expect(await runCli(["--address", address, "ping"])).toMatchObject({ code: 0 });
  const total = (await counts(fixtures)).reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThanOrEqual(6);
});

test("a dns: or ipv4: target cannot be mixed into a list", () => {
  expect(() => createInferdClient({ address: ["dns:localhost:1", "127.0.0.1:2"] })).toThrow(/one dns: target/);
});
