import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import {
  DownloadRequest,
  InferRequest,
  JobStage,
  ListFilesRequest,
  RunRequest,
  RunResponse,
  UploadRequest,
  UploadResponse,
  WatchJobRequest,
} from "@inferd/grpc-types/v1";
import { tempDir } from "../../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../../server";
import { grpcWebCall } from "./__tests__/grpc-web-fetch";
import { encodeFrame } from "./frames";

const SAMPLE = join(__dirname, "../../../../../examples/sample-text.png");
const TOKEN = "static-token-for-studio-sessions";

interface Minted {
  readonly token: string;
  readonly project: string;
  readonly ttlSeconds: number;
}

let dir: string;
let image: Buffer;
beforeAll(async () => {
  dir = await tempDir("studio-sessions");
  image = await readFile(SAMPLE);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function start(name: string, extra: { tokens?: { token: string; projects: string[]; name: string }[]; studioSessionTtlMs?: number }): Promise<{ server: InferdServer; base: string }> {
  const server = await createInferdServer({ host: "127.0.0.1", port: 0, httpPort: 0, dataDir: join(dir, name), inference: { modelThreads: 1 }, ...extra });
  await server.ready;
  return { server, base: `http://${server.httpAddress ?? "missing"}` };
}

async function mint(base: string, headers: Record<string, string> = {}): Promise<Minted> {
  const reply = await fetch(`${base}/studio/session`, { method: "POST", headers });
  expect(reply.status).toBe(200);
  return (await reply.json()) as Minted;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function upload(base: string, token: string, project: string, path: string): Promise<{ code: number | undefined; uri: string }> {
  const reply = await grpcWebCall(
    base,
    "/inferd.v1.Files/Upload",
    [
      UploadRequest.encode({ content: { $case: "header", value: { project, path, offset: 0n, sha256: "", restart: false } } }).finish(),
      UploadRequest.encode({ content: { $case: "chunk", value: image } }).finish(),
    ],
    { headers: bearer(token) },
  );
  const uri = reply.messages[0] ? UploadResponse.decode(reply.messages[0]).uri : "";
  return { code: reply.grpcStatus, uri };
}

const inferUri = async (base: string, token: string, uri: string): Promise<number | undefined> =>
  (await grpcWebCall(base, "/inferd.v1.Inference/Infer", [InferRequest.encode({ model: "pp-ocrv4-det", version: "", image: { $case: "imageUri", value: uri } }).finish()], { headers: bearer(token) })).grpcStatus;
const download = async (base: string, token: string, uri: string): Promise<number | undefined> =>
  (await grpcWebCall(base, "/inferd.v1.Files/Download", [DownloadRequest.encode({ uri, offset: 0n }).finish()], { headers: bearer(token) })).grpcStatus;
const listFiles = async (base: string, token: string, project: string): Promise<number | undefined> =>
  (await grpcWebCall(base, "/inferd.v1.Files/ListFiles", [ListFilesRequest.encode({ project, prefix: "", pageSize: 0, pageToken: "" }).finish()], { headers: bearer(token) })).grpcStatus;

describe("with auth on", () => {
  let server: InferdServer;
  let base: string;
  beforeAll(async () => {
    ({ server, base } = await start("auth-on", { tokens: [{ token: TOKEN, projects: ["*"], name: "admin" }] }));
  }, 60_000);
  afterAll(async () => server.shutdown(1000));

  test("minting needs a valid static token; a session token cannot mint more", async () => {
    expect((await fetch(`${base}/studio/session`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${base}/studio/session`, { method: "POST", headers: bearer("wrong-token-0123456789") })).status).toBe(401);
    const a = await mint(base, bearer(TOKEN));
    expect(a.project).toMatch(/^studio-[0-9a-f]+$/);
    expect(a.ttlSeconds).toBe(3600);
    expect((await fetch(`${base}/studio/session`, { method: "POST", headers: bearer(a.token) })).status).toBe(401);
  });

  test("a session uses its own project; another session gets PERMISSION_DENIED even with the guessed URI", async () => {
    const a = await mint(base, bearer(TOKEN));
    const b = await mint(base, bearer(TOKEN));
    const stored = await upload(base, a.token, a.project, "in/a.png");
    expect(stored.code).toBe(status.OK);
    expect(stored.uri).toBe(`inferd://${a.project}/in/a.png`);
    expect(await inferUri(base, a.token, stored.uri)).toBe(status.OK);
    expect(await download(base, a.token, stored.uri)).toBe(status.OK);

    expect(await inferUri(base, b.token, stored.uri)).toBe(status.PERMISSION_DENIED);
    expect(await download(base, b.token, stored.uri)).toBe(status.PERMISSION_DENIED);
    expect(await listFiles(base, b.token, a.project)).toBe(status.PERMISSION_DENIED);
    expect((await upload(base, b.token, a.project, "in/evil.png")).code).toBe(status.PERMISSION_DENIED);
    // Nor any other project: a session token is scoped to exactly one.
    expect(await listFiles(base, a.token, "shared")).toBe(status.PERMISSION_DENIED);
    // The static admin token still reaches every project.
    expect(await listFiles(base, TOKEN, a.project)).toBe(status.OK);

    // Jobs: b cannot watch a's job by id (NOT_FOUND, as an unknown id).
    const run = await grpcWebCall(base, "/inferd.v1.Inference/Run", [RunRequest.encode({ project: a.project, model: "pp-ocrv4-det", version: "", imageUris: [stored.uri] }).finish()], { headers: bearer(a.token) });
    expect(run.grpcStatus).toBe(status.OK);
    const updates = run.messages.map((m) => RunResponse.decode(m).update);
    const last = updates[updates.length - 1];
    expect(last?.stage).toBe(JobStage.DONE);
    const watch = (token: string): Promise<number | undefined> =>
      grpcWebCall(base, "/inferd.v1.Inference/WatchJob", [WatchJobRequest.encode({ jobId: last?.jobId ?? "" }).finish()], { headers: bearer(token) }).then((r) => r.grpcStatus);
    expect(await watch(a.token)).toBe(status.OK);
    expect(await watch(b.token)).toBe(status.NOT_FOUND);
    const result = updates.find((u) => (u?.resultUri ?? "") !== "")?.resultUri ?? "";
    expect(result.startsWith(`inferd://${a.project}/results/`)).toBe(true);
    expect(await download(base, a.token, result)).toBe(status.OK);
    expect(await download(base, b.token, result)).toBe(status.PERMISSION_DENIED);
  }, 60_000);

  test("DELETE ends the session: its token stops working and its project's files are deleted", async () => {
    const a = await mint(base, bearer(TOKEN));
    expect((await upload(base, a.token, a.project, "in/a.png")).code).toBe(status.OK);
    expect((await server.context.fileStore.list(a.project, "", 10, "")).files).toHaveLength(1);
    expect((await fetch(`${base}/studio/session`, { method: "DELETE", headers: bearer(a.token) })).status).toBe(204);
    expect((await server.context.fileStore.list(a.project, "", 10, "")).files).toHaveLength(0);
    expect(await listFiles(base, a.token, a.project)).toBe(status.UNAUTHENTICATED);
    expect((await fetch(`${base}/studio/session`, { method: "DELETE", headers: bearer(a.token) })).status).toBe(404);
  }, 60_000);
});

/** Starts a Run over gRPC-Web and returns its job id (first update) and a reader of the rest. */
async function startRun(base: string, token: string, project: string, uris: string[]): Promise<{ jobId: string; rest: () => Promise<RunResponse[]> }> {
  const body = encodeFrame(0, RunRequest.encode({ project, model: "pp-ocrv4-det", version: "", imageUris: uris }).finish());
  const response = await fetch(`${base}/inferd.v1.Inference/Run`, { method: "POST", headers: { "content-type": "application/grpc-web+proto", ...bearer(token) }, body });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let buffer = Buffer.alloc(0);
  const updates: RunResponse[] = [];
  const take = (): void => {
    while (buffer.length >= 5 && buffer.length >= 5 + buffer.readUInt32BE(1)) {
      const length = buffer.readUInt32BE(1);
      if ((buffer.readUInt8(0) & 0x80) === 0) updates.push(RunResponse.decode(buffer.subarray(5, 5 + length)));
      buffer = buffer.subarray(5 + length);
    }
  };
  while (updates.length === 0) {
    const { done, value } = await reader.read();
    if (value) buffer = Buffer.concat([buffer, Buffer.from(value)]);
    take();
    if (done) break;
  }
  const jobId = updates[0]?.update?.jobId ?? "";
  return {
    jobId,
    async rest() {
      for (;;) {
        const { done, value } = await reader.read();
        if (value) buffer = Buffer.concat([buffer, Buffer.from(value)]);
        take();
        if (done) return updates;
      }
    },
  };
}

test("ending a session cancels its running job before deleting its files (no result is written afterwards)", async () => {
  const { server, base } = await start("cancel-jobs", { tokens: [{ token: TOKEN, projects: ["*"], name: "admin" }] });
  try {
    const a = await mint(base, bearer(TOKEN));
    const stored = await upload(base, a.token, a.project, "in/a.png");
    const run = await startRun(base, a.token, a.project, Array.from({ length: 200 }, () => stored.uri));
    expect(run.jobId).not.toBe("");
    expect((await fetch(`${base}/studio/session`, { method: "DELETE", headers: bearer(a.token) })).status).toBe(204);
    const updates = await run.rest();
    const last = updates[updates.length - 1]?.update;
    expect(last?.stage).toBe(JobStage.CANCELLED);
    expect(last?.summary?.imagesSucceeded ?? 0).toBeLessThan(200);
    expect((await server.context.fileStore.list(a.project, "", 10, "")).files).toHaveLength(0);
  } finally {
    await server.shutdown(1000);
  }
}, 60_000);

describe("with auth off (loopback)", () => {
  let server: InferdServer;
  let base: string;
  beforeAll(async () => {
    ({ server, base } = await start("auth-off", { studioSessionTtlMs: 300 }));
  }, 60_000);
  afterAll(async () => server.shutdown(1000));

  test("minting needs no token, but tokenless callers cannot use session projects", async () => {
    const a = await mint(base);
    expect((await upload(base, a.token, a.project, "in/a.png")).code).toBe(status.OK);
    const anonymous = await grpcWebCall(base, "/inferd.v1.Files/ListFiles", [ListFilesRequest.encode({ project: a.project, prefix: "", pageSize: 0, pageToken: "" }).finish()]);
    expect(anonymous.grpcStatus).toBe(status.PERMISSION_DENIED);
    const b = await mint(base);
    expect(await download(base, b.token, `inferd://${a.project}/in/a.png`)).toBe(status.PERMISSION_DENIED);
  }, 60_000);

  test("an idle session expires after the TTL: access and data are gone", async () => {
    const a = await mint(base);
    expect((await upload(base, a.token, a.project, "in/a.png")).code).toBe(status.OK);
    const started = Date.now();
    // The TTL is real time here (the table's own clock is tested in session-table.test.ts).
    // Using the token would keep the session alive, so watch the store (server side) until
    // the sweep has deleted the files, then the token must be refused too.
    let files = (await server.context.fileStore.list(a.project, "", 10, "")).files.length;
    expect(files).toBe(1);
    while (files > 0) {
      expect(Date.now() - started).toBeLessThan(30_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      files = (await server.context.fileStore.list(a.project, "", 10, "")).files.length;
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(await listFiles(base, a.token, a.project)).toBe(status.PERMISSION_DENIED);
  }, 60_000);
});
