import { createHash, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { DiagnosticsClient, FilesClient } from "@inferd/grpc-types/v1";
import { runBinary, startBinary, type RunningBinary } from "../__tests__/binary";
import { createTempDir, downloadBytes, getUploadStatus, pingOnce, uploadBytes } from "../__tests__/files-fixture";

let temp: { dir: string; cleanup: () => Promise<void> };
const running: RunningBinary[] = [];
beforeEach(async () => {
  temp = await createTempDir("bin");
  await mkdir(join(temp.dir, "models")); // empty model repository: these tests need no models
});
afterEach(async () => {
  for (const binary of running.splice(0)) {
    binary.child.kill("SIGKILL");
    await binary.exited;
  }
  await temp.cleanup();
});

const args = (): string[] => ["--port", "0", "--data-dir", join(temp.dir, "data"), "--models-dir", join(temp.dir, "models"), "--log-level", "warn"];
async function start(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningBinary> {
  const binary = await startBinary([...args(), ...extra], env);
  running.push(binary);
  return binary;
}

test("an upload cut by SIGKILL of the server resumes on the restarted server to a byte-identical file", async () => {
  const data = randomBytes(3_000_000);
  const sha256 = createHash("sha256").update(data).digest("hex");
  const first = await start();
  const files = new FilesClient(first.address, credentials.createInsecure());
  const call = files.upload(() => undefined);
  call.write({ content: { $case: "header", value: { project: "k", path: "big.bin", offset: 0n, totalSize: 3_000_000n, sha256, restart: false } } });
  for (let at = 0; at < 1_500_000; at += 100_000) call.write({ content: { $case: "chunk", value: data.subarray(at, at + 100_000) } });
  // The server runs in another process, so no event reaches the test: poll, with a bound.
  let stored = 0n;
  for (let query = 0; stored < 500_000n; query++) {
    if (query === 5_000) throw new Error(`the server stored only ${stored} bytes after ${query} status queries`);
    stored = (await getUploadStatus(files, { project: "k", path: "big.bin" })).storedBytes;
  }
  first.child.kill("SIGKILL");
  expect((await first.exited).signal).toBe("SIGKILL");
  files.close();

  const second = await start();
  const again = new FilesClient(second.address, credentials.createInsecure());
  const status = await getUploadStatus(again, { project: "k", path: "big.bin" });
  expect(status.inProgress).toBe(true);
  expect(status.storedBytes).toBeGreaterThanOrEqual(stored);
  expect(status.storedBytes).toBeLessThan(3_000_000n);
  expect(status.published).toBeUndefined();
  const offset = status.storedBytes;
  const done = await uploadBytes(again, { project: "k", path: "big.bin", offset, chunks: [data.subarray(Number(offset))] });
  expect(done).toMatchObject({ complete: true, storedBytes: 3_000_000n, sha256 });
  expect((await downloadBytes(again, done.uri)).equals(data)).toBe(true);
  again.close();
});

test("--port 0 prints the bound address; SIGTERM drains and exits 0; logs are JSON lines on stderr", async () => {
  const binary = await start(["--log-level", "info"]);
  expect(binary.address).toMatch(/^127\.0\.0\.1:\d+$/);
  const client = new DiagnosticsClient(binary.address, credentials.createInsecure());
  expect((await pingOnce(client, { message: "x", payload: Buffer.alloc(0) })).message).toBe("x");
  client.close();
  binary.child.kill("SIGTERM");
  expect((await binary.exited).code).toBe(0);
  const lines = binary.stderr().trim().split("\n").map((line) => JSON.parse(line) as { msg: string });
  expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["inferd listening", "signal received", "inferd stopped"]));
});

test("INFERD_TOKEN turns auth on; a public host without a token is refused with exit code 2", async () => {
  const token = "binary-token-0123456789";
  const binary = await start([], { INFERD_TOKEN: token });
  const client = new DiagnosticsClient(binary.address, credentials.createInsecure());
  await expect(pingOnce(client, { message: "", payload: Buffer.alloc(0) })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  await expect(
    new Promise((resolve, reject) => client.ping({ message: "ok", payload: Buffer.alloc(0) }, metadata, (e, r) => (e ? reject(e) : resolve(r)))),
  ).resolves.toMatchObject({ message: "ok" });
  client.close();

  const refused = await runBinary([...args(), "--host", "0.0.0.0"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("--allow-unauthenticated");
  const badFlag = await runBinary([...args(), "--max-message-mb", "lots"]);
  expect(badFlag.code).toBe(2);
});

test("a port already in use gets inferd's own one-line message and exit 1", async () => {
  const first = await start();
  const port = first.address.slice(first.address.lastIndexOf(":") + 1);
  const second = await runBinary([...args(), "--data-dir", join(temp.dir, "data-second"), "--port", port]); // its own data dir: the same one is refused first (data-dir lock)
  expect(second.code).toBe(1);
  expect(second.stderr).toMatch(new RegExp(`^inferd: port ${port} is already in use \\(another inferd\\?\\); pick another with --port$`, "m"));
  expect(second.stderr).not.toMatch(/^E /m);
});

test("the HTTP API is on by default: the binary prints its address once ready and serves OIP REST there; --http-port off turns it off", async () => {
  // startBinary moves the default port 8000 to a free one (tests bind no fixed port); the default itself is checked in flags.test.ts.
  const binary = await start();
  const [, url] = await binary.stdoutMatch(/inferd HTTP API \(OIP REST \/v2, gRPC-Web\) on (http:\/\/127\.0\.0\.1:\d+)/);
  expect((await fetch(`${url ?? ""}/v2/health/live`)).status).toBe(200);
  expect((await fetch(`${url ?? ""}/v2/health/ready`)).status).toBe(200);

  const off = await start(["--http-port", "off", "--data-dir", join(temp.dir, "data-off"), "--log-level", "info"]);
  const client = new DiagnosticsClient(off.address, credentials.createInsecure());
  expect((await pingOnce(client, { message: "up", payload: Buffer.alloc(0) })).message).toBe("up");
  client.close();
  await off.stdoutMatch(/^inferd HTTP API off/m); // printed once ready: every module has started
  off.child.kill("SIGTERM");
  await off.exited;
  expect(off.stderr()).not.toContain("OIP REST API listening");
});

test("an HTTP port already in use gets a one-line message naming --http-port and exit 1", async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const address = taken.address();
  const port = typeof address === "object" && address ? address.port : 0;
  try {
    const result = await runBinary([...args(), "--http-port", String(port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^inferd: HTTP port ${port} is already in use .*--http-port off$`, "m"));
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
