/**
 * What the cross-language suites share: the built `inferd` binary, Debian's python3, stub
 * generation with Debian's protoc + grpc_python_plugin, and starting the binary on a free port.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export const repo = join(__dirname, "..", "..");
export const binary = join(repo, "packages", "server", "dist", "bin", "inferd.js");
/** Debian's python3 (pyenv or venv shims on PATH do not see python3-grpcio); INFERD_PYTHON overrides. */
export const python = process.env["INFERD_PYTHON"] ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

/**
 * Writes Python message and grpcio stubs of `protos` (paths under proto/ or tests/python/fixtures)
 * into `outDir` with Debian's protoc (packages protobuf-compiler, protobuf-compiler-grpc).
 */
export function compilePythonStubs(outDir: string, protos: readonly string[]): void {
  mkdirSync(outDir, { recursive: true });
  const plugin = spawnSync("which", ["grpc_python_plugin"]).stdout.toString().trim();
  if (plugin === "") throw new Error("grpc_python_plugin is missing: apt-get install protobuf-compiler-grpc");
  execFileSync("protoc", [
    `-I${join(repo, "proto")}`,
    `-I${join(__dirname, "fixtures")}`,
    `--python_out=${outDir}`,
    `--grpc_python_out=${outDir}`,
    `--plugin=protoc-gen-grpc_python=${plugin}`,
    ...protos,
  ]);
}

/** Starts the built binary with `args` (plus --port 0 and --http-port 0: no fixed port) and resolves with its address once it listens. */
export function startInferd(args: readonly string[]): { child: ChildProcess; address: Promise<string> } {
  const child = spawn(process.execPath, [binary, "--port", "0", "--http-port", "0", "--log-level", "warn", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const address = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (data: Buffer) => {
      out += data.toString();
      const match = /inferd listening on (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`inferd exited with ${code} before listening`)));
  });
  return { child, address };
}
