import { status, type ServiceError } from "@grpc/grpc-js";
import { FilesService, type UploadRequest } from "@inferd/grpc-types/v1";
import { checkHealth, startServer, type ServerFixture } from "../__tests__/server-fixture";
import { deleteFile, downloadBytes, getUploadStatus, listFiles, pingOnce, uploadBytes } from "../__tests__/files-fixture";

let f: ServerFixture;
beforeAll(async () => {
  f = await startServer({ maxMessageBytes: 1024 * 1024 });
  await f.server.ready;
  await uploadBytes(f.files, { project: "demo", path: "present.txt", chunks: [Buffer.from("hello")] });
});
afterAll(async () => f.close());

const header = (project: string, path: string, extra: Partial<{ offset: bigint; totalSize: bigint; sha256: string }> = {}): UploadRequest => ({
  content: { $case: "header", value: { project, path, offset: extra.offset ?? 0n, totalSize: extra.totalSize, sha256: extra.sha256 ?? "", restart: false } },
});
const chunk = (text: string): UploadRequest => ({ content: { $case: "chunk", value: Buffer.from(text) } });

function rawUpload(messages: UploadRequest[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = f.files.upload((error, response) => (error ? reject(error) : resolve(response)));
    for (const message of messages) call.write(message);
    call.end();
  });
}

const upload = (project: string, path: string) => () => rawUpload([header(project, path), chunk("x")]);
const download = (uri: string, offset = 0n) => () => downloadBytes(f.files, uri, offset);
const list = (project: string, extra: Partial<{ prefix: string; pageSize: number; pageToken: string }> = {}) => () =>
  listFiles(f.files, { project, prefix: extra.prefix ?? "", pageSize: extra.pageSize ?? 0, pageToken: extra.pageToken ?? "" });
const IA = status.INVALID_ARGUMENT;

const cases: Array<[string, () => Promise<unknown>, status]> = [
  ["Upload: first message is a chunk", () => rawUpload([chunk("x")]), IA],
  ["Upload: empty stream", () => rawUpload([]), IA],
  ["Upload: two headers", () => rawUpload([header("demo", "a"), header("demo", "a")]), IA],
  ["Upload: empty project", upload("", "a"), IA],
  ["Upload: project with ..", upload("..", "a"), IA],
  ["Upload: project with a slash", upload("a/b", "a"), IA],
  ["Upload: project starting with a dot", upload(".hidden", "a"), IA],
  ["Upload: project starting with a dash", upload("-rf", "a"), IA],
  ["Upload: project with a space", upload("a b", "a"), IA],
  ["Upload: project of 65 characters", upload("p".repeat(65), "a"), IA],
  ["Upload: empty path", upload("demo", ""), IA],
  ["Upload: absolute path", upload("demo", "/etc/passwd"), IA],
  ["Upload: path escaping with ..", upload("demo", "../other/x"), IA],
  ["Upload: path with inner ..", upload("demo", "a/../../x"), IA],
  ["Upload: path with a . segment", upload("demo", "a/./b"), IA],
  ["Upload: path with //", upload("demo", "a//b"), IA],
  ["Upload: path with a trailing /", upload("demo", "a/"), IA],
  ["Upload: path with NUL", upload("demo", "a\u0000b"), IA],
  ["Upload: path with a newline", upload("demo", "a\nb"), IA],
  ["Upload: path with a backslash", upload("demo", "a\\..\\b"), IA],
  ["Upload: path over 1024 bytes", upload("demo", "a/".repeat(512) + "b"), IA],
  ["Upload: segment over 255 bytes", upload("demo", "s".repeat(256)), IA],
  ["Upload: sha256 not hex", () => rawUpload([header("demo", "a", { sha256: "xyz" })]), IA],
  ["Upload: chunk past total_size", () => rawUpload([header("demo", "t", { totalSize: 2n }), chunk("abc")]), IA],
  ["Upload: offset on a new upload", () => rawUpload([header("demo", "n", { offset: 5n }), chunk("x")]), status.FAILED_PRECONDITION],
  ["Upload: a path under a file", upload("demo", "present.txt/inner"), status.FAILED_PRECONDITION],
  ["Download: empty uri", download(""), IA],
  ["Download: file:// uri", download("file:///etc/passwd"), IA],
  ["Download: uri without a path", download("inferd://demo"), IA],
  ["Download: uri with ..", download("inferd://demo/../x"), IA],
  ["Download: uri with a bad project", download("inferd://../etc/passwd"), IA],
  ["Download: offset past the end", download("inferd://demo/present.txt", 6n), status.OUT_OF_RANGE],
  ["Download: missing file", download("inferd://demo/missing"), status.NOT_FOUND],
  ["ListFiles: bad project", list("a/b"), IA],
  ["ListFiles: page_size over 1000", list("demo", { pageSize: 1001 }), IA],
  ["ListFiles: forged page_token", list("demo", { pageToken: "not a token!" }), IA],
  ["ListFiles: absolute prefix", list("demo", { prefix: "/etc" }), IA],
  ["GetUploadStatus: bad path", () => getUploadStatus(f.files, { project: "demo", path: "../x" }), IA],
  ["DeleteFile: uri with an empty path", () => deleteFile(f.files, { uri: "inferd://demo/" }), IA],
  ["DeleteFile: missing file", () => deleteFile(f.files, { uri: "inferd://demo/missing" }), status.NOT_FOUND],
  [
    "Ping: message over the size limit",
    () => pingOnce(f.diagnostics, { message: "", payload: Buffer.alloc(2 * 1024 * 1024) }),
    status.RESOURCE_EXHAUSTED,
  ],
];

// Not a count of the table's own rows (that cannot fail): every Files RPC must have cases.
test("the table covers every Files RPC", () => {
  const covered = new Set(cases.map(([name]) => name.split(":")[0]));
  const rpcs = Object.values(FilesService).map((method) => method.path.split("/").pop());
  expect(rpcs.filter((rpc) => !covered.has(rpc))).toEqual([]);
});

test.each(cases)("%s → the right code, and the server keeps serving", async (_name, run, code) => {
  const error = (await run().then(
    () => undefined,
    (e: ServiceError) => e,
  )) as ServiceError | undefined;
  expect(error?.code).toBe(code);
  expect(error?.details).not.toContain(f.dataDir);
  expect(await checkHealth(f.health, "")).toBe("SERVING");
  const pong = await pingOnce(f.diagnostics, { message: "still here", payload: Buffer.alloc(0) });
  expect(pong.message).toBe("still here");
});

test("nothing was published by the refused uploads", async () => {
  const page = await listFiles(f.files, { project: "demo", prefix: "", pageSize: 0, pageToken: "" });
  expect(page.files.map((file) => file.path)).toEqual(["present.txt"]);
});
