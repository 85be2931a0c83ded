import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

const TOKEN = "s3cret-token";
let open: ServerFixture;
let guarded: ServerFixture;

beforeAll(async () => {
  [open, guarded] = await Promise.all([
    startServer({ quotaBytesPerProject: 10_000 }),
    startServer({ tokens: [{ token: TOKEN, projects: ["mine"], name: "test" }] }),
  ]);
});

afterAll(async () => {
  await Promise.all([open.close(), guarded.close()]);
});

/** The --json error object inferctl prints on stdout for a failed call. */
function jsonError(run: CliRun): { code: number; codeName: string; details: string } {
  return (JSON.parse(run.stdout) as { error: { code: number; codeName: string; details: string } }).error;
}

describe("help and version", () => {
  test("--help lists every command and the global options, exit 0", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of ["health", "ping", "models", "upload", "download", "ls", "rm", "infer", "run", "watch", "cancel"]) {
      expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
    for (const option of ["--address", "--token", "--tls", "--ca", "--json", "--timeout"]) expect(run.stdout).toContain(option);
    expect(run.stdout).toMatch(/env:\s+INFERD_ADDRESS/);
    expect(run.stdout).toMatch(/env:\s+INFERD_TOKEN/);
  });

  test("a command's --help shows its options and the global ones", async () => {
    const run = await runCli(["upload", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: inferctl upload [options] <files...>");
    expect(run.stdout).toContain("--project <project>");
    expect(run.stdout).toContain("Global Options:");
  });

  test("--version prints the package version", async () => {
    const { version } = JSON.parse(await readFile(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    expect(await runCli(["--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });
});

describe("usage errors exit 2 without dialling", () => {
  test.each([
    ["no command", []],
    ["an unknown command", ["frobnicate"]],
    ["a missing required option", ["ls"]],
    ["a missing argument", ["download"]],
    ["a threshold out of range", ["infer", "a.png", "--model", "m", "--threshold", "2"]],
    ["an IoU out of range for run", ["run", "inferd://p/a.png", "--project", "p", "--model", "m", "--iou", "2"]],
    ["a non-numeric timeout", ["--timeout", "soon", "ping"]],
    ["a malformed URI", ["rm", "demo/a.png"]],
    ["--as with several files", ["upload", "a", "b", "--project", "p", "--as", "x.png"]],
    ["a missing --ca file", ["--ca", "/nonexistent/ca.pem", "ping"]],
    ["an unknown option", ["ping", "--frob"]],
  ])("%s", async (_name, args) => {
    const run = await runCli(["--address", "127.0.0.1:1", ...args]);
    expect(run.code).toBe(2);
    // Commander's message, or the usage text when no command was given at all.
    expect(run.stderr).toMatch(/^error: |^Usage: inferctl/m);
    expect(run.stderr).not.toContain("cannot reach");
  });
});

describe("failed calls exit 1 with the code name and a hint", () => {
  test("UNAVAILABLE: nothing listens at the address", async () => {
    const run = await runCli(["--address", "127.0.0.1:1", "ping"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^inferctl: UNAVAILABLE: cannot reach inferd at 127\.0\.0\.1:1/);
    expect(run.stderr).toContain("hint: is the server running at 127.0.0.1:1?");
    expect(jsonError(await runCli(["--address", "127.0.0.1:1", "--json", "ping"]))).toMatchObject({ code: 14, codeName: "UNAVAILABLE" });
  });

  test("UNAUTHENTICATED without a token, then the token from INFERD_TOKEN or --token works", async () => {
    const without = await runCli(["--address", guarded.address, "ls", "--project", "mine"]);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/^inferctl: UNAUTHENTICATED: /);
    expect(without.stderr).toContain("hint: set INFERD_TOKEN or --token");
    const wrong = await runCli(["--address", guarded.address, "--token", "nope", "--json", "ls", "--project", "mine"]);
    expect(jsonError(wrong).codeName).toBe("UNAUTHENTICATED");
    const env = await runCli(["ls", "--project", "mine"], { env: { INFERD_ADDRESS: guarded.address, INFERD_TOKEN: TOKEN } });
    expect(env.code).toBe(0);
    expect((await runCli(["--address", guarded.address, "--token", TOKEN, "ping"])).code).toBe(0);
  });

  test("PERMISSION_DENIED for a project the token may not use", async () => {
    const run = await runCli(["--address", guarded.address, "--token", TOKEN, "--json", "ls", "--project", "theirs"]);
    expect(run.code).toBe(1);
    expect(jsonError(run).codeName).toBe("PERMISSION_DENIED");
    expect(run.stderr).toMatch(/^hint: /m);
  });

  test("INVALID_ARGUMENT for a bad project id", async () => {
    const run = await runCli(["--address", open.address, "ls", "--project", "-bad"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^inferctl: INVALID_ARGUMENT: /);
    expect(run.stderr).toContain("hint: fix the argument");
  });

  test("NOT_FOUND for a missing file, to rm (per URI) and to download", async () => {
    const rm = await runCli(["--address", open.address, "--json", "rm", "inferd://p/missing.png"]);
    expect(rm.code).toBe(1);
    expect((JSON.parse(rm.stdout) as { error: { codeName: string } }[])[0]?.error.codeName).toBe("NOT_FOUND");
    const download = await runCli(["--address", open.address, "--json", "download", "inferd://p/missing.png", join(open.scratch, "x.png")]);
    expect(download.code).toBe(1);
    expect(jsonError(download).codeName).toBe("NOT_FOUND");
  });

  test("RESOURCE_EXHAUSTED when an upload exceeds the project quota", async () => {
    await writeFile(join(open.scratch, "big.bin"), randomBytes(20_000));
    const run = await runCli(["--address", open.address, "upload", join(open.scratch, "big.bin"), "--project", "quota"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^inferctl: RESOURCE_EXHAUSTED: /m);
    expect(run.stderr).toContain("hint: the project's storage quota is full; free space with `inferctl rm`");
  });

  test("NOT_FOUND from health for an unknown service; SERVING exits 0", async () => {
    expect(await runCli(["--address", open.address, "health"])).toMatchObject({ code: 0, stdout: `SERVING at ${open.address}\n` });
    const json = JSON.parse((await runCli(["--address", open.address, "--json", "health", "inferd.v1.Files"])).stdout) as unknown;
    expect(json).toEqual({ address: open.address, service: "inferd.v1.Files", status: "SERVING" });
    const unknown = await runCli(["--address", open.address, "--json", "health", "no.such.Service"]);
    expect(unknown.code).toBe(1);
    expect(jsonError(unknown).codeName).toBe("NOT_FOUND");
  });
});

describe("TLS", () => {
  let tls: ServerFixture;
  let caFile = "";

  beforeAll(async () => {
    const dir = open.scratch;
    const key = join(dir, "key.pem");
    caFile = join(dir, "cert.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", caFile,
    ], { stdio: "ignore" });
    tls = await startServer({ tls: { cert: await readFile(caFile), key: await readFile(key) } });
  });

  afterAll(async () => {
    await tls.close();
  });

  test("--ca trusts the server's certificate; plaintext to a TLS server is UNAVAILABLE", async () => {
    const ok = await runCli(["--address", tls.address, "--ca", caFile, "--json", "ping"]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe(""); // no DEP0123 warning for a TLS server name that is an IP
    expect(JSON.parse(ok.stdout)).toMatchObject({ message: "ping", serverVersion: expect.any(String) });
    const plain = await runCli(["--address", tls.address, "--timeout", "5000", "--json", "ping"]);
    expect(plain.code).toBe(1);
    expect(jsonError(plain).codeName).toBe("UNAVAILABLE");
    const untrusted = await runCli(["--address", tls.address, "--tls", "--timeout", "5000", "--json", "ping"]);
    expect(untrusted.code).toBe(1);
    expect(jsonError(untrusted).codeName).toBe("UNAVAILABLE");
  });
});
