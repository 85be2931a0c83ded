import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";
import { mixedModel, writeTensorModel } from "./helpers/tensor-models";

// Issue #12 §6: `inferctl models infer` sends tensors from .npy/.json files over OIP ModelInfer.
let models: string;
let fixture: ServerFixture;
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });
const file = (name: string): string => join(fixture.scratch, name);

/** A .npy file as NumPy writes it: magic, version, header padded so the data starts at a multiple of 64. */
function npy(descr: string, shape: readonly number[], data: Buffer, major = 1): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const prefix = 8 + (major === 1 ? 2 : 4);
  const padded = dict + " ".repeat(63 - ((prefix + dict.length) % 64)) + "\n";
  const length = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) length.writeUInt16LE(padded.length);
  else length.writeUInt32LE(padded.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([major, 0]), length, Buffer.from(padded, "latin1"), data]);
}

beforeAll(async () => {
  models = await mkdtemp(join(tmpdir(), "inferctl-models-infer-"));
  await writeTensorModel(models, "mixed", mixedModel());
  fixture = await startServer({ modelsDir: models, inference: { modelThreads: 1 } });
  await writeFile(file("x.npy"), npy("<f4", [1, 3], Buffer.from(Float32Array.from([1, 2.5, -3]).buffer)));
  await writeFile(file("k.npy"), npy("<i8", [2], Buffer.from(BigInt64Array.from([3n, -4n]).buffer), 2));
  await writeFile(file("flag.json"), JSON.stringify({ datatype: "BOOL", shape: [1], data: [true] }));
  await writeFile(file("text.json"), JSON.stringify({ datatype: "BYTES", shape: [1], data: ["héllo"] }));
  await writeFile(file("x.json"), JSON.stringify({ datatype: "FP32", shape: [1, 3], data: [[1, 2, 3]] }));
});
afterAll(async () => {
  await fixture.close();
  await rm(models, { recursive: true, force: true });
});

const allInputs = ["--input", "x=x.npy", "--input", "k=k.npy", "--input", "flag=flag.json", "--input", "text=text.json"];

test("inputs from .npy (v1 and v2 headers) and .json files; every output printed with datatype and shape", async () => {
  const run = await cli("models", "infer", "mixed", ...allInputs);
  expect(run.code).toBe(0);
  expect(run.stdout.split("\n")).toEqual(
    expect.arrayContaining([
      "doubled FP32 [1, 3]: 2 5 -6",
      "k_squared INT64 [2]: 9 16",
      "not_flag BOOL [1]: false",
      'text_out BYTES [1]: "héllo"',
      "x_half FP16 [1, 3]: 1 2.5 -3",
    ]),
  );
});

test("--output selects outputs and --json prints the whole result (int64 as strings)", async () => {
  const run = await cli("--json", "models", "infer", "mixed", ...allInputs, "--output", "k_squared", "--output", "doubled");
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout) as { model: string; outputs: Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }> };
  expect(result.model).toBe("mixed");
  expect(result.outputs.map((o) => o.name).sort()).toEqual(["doubled", "k_squared"]);
  expect(result.outputs.find((o) => o.name === "k_squared")).toEqual({ name: "k_squared", datatype: "INT64", shape: [2], data: ["9", "16"] });
  const json = await cli("--json", "models", "infer", "mixed", "--input", "x=x.json", "--input", "k=k.npy", "--input", "flag=flag.json", "--input", "text=text.json", "--output", "doubled");
  expect((JSON.parse(json.stdout) as { outputs: Array<{ data: number[] }> }).outputs[0]?.data).toEqual([2, 4, 6]);
});

test("large outputs are truncated after 16 values, saying how many more", async () => {
  await writeFile(file("x6.json"), JSON.stringify({ datatype: "FP32", shape: [6, 3], data: Array.from({ length: 18 }, (_, i) => i) }));
  await writeFile(file("k6.json"), JSON.stringify({ datatype: "INT64", shape: [6], data: [1, 2, 3, 4, 5, "6"] }));
  await writeFile(file("flag6.json"), JSON.stringify({ datatype: "BOOL", shape: [6], data: [true, false, true, false, true, false] }));
  await writeFile(file("text6.json"), JSON.stringify({ datatype: "BYTES", shape: [6], data: ["a", "b", "c", "d", "e", "f"] }));
  const run = await cli("models", "infer", "mixed", "--input", "x=x6.json", "--input", "k=k6.json", "--input", "flag=flag6.json", "--input", "text=text6.json", "--output", "doubled");
  expect(run).toMatchObject({ code: 0, stdout: "doubled FP32 [6, 3]: 0 2 4 6 8 10 12 14 16 18 20 22 24 26 28 30 … (2 more)\n" });
});

test("a bad or missing file is a local error (exit 3); a malformed --input is a usage error (exit 2)", async () => {
  await writeFile(file("bad.npy"), Buffer.from("not numpy at all"));
  await writeFile(file("short.npy"), npy("<f4", [1, 3], Buffer.alloc(8)));
  await writeFile(file("fortran.npy"), Buffer.from(npy("<f4", [1], Buffer.alloc(4)).toString("latin1").replace("False", "True "), "latin1"));
  await writeFile(file("count.json"), JSON.stringify({ datatype: "FP32", shape: [1, 3], data: [1, 2] }));
  await writeFile(file("broken.json"), "{ nope");
  for (const bad of ["x=bad.npy", "x=short.npy", "x=fortran.npy", "x=count.json", "x=broken.json", "x=absent.npy", "x=x.txt"]) {
    const run = await cli("--json", "models", "infer", "mixed", "--input", bad, "--input", "k=k.npy", "--input", "flag=flag.json", "--input", "text=text.json");
    expect({ bad, code: run.code }).toEqual({ bad, code: 3 });
    expect(run.stderr).toMatch(/^inferctl: local error: /m);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { local: true } });
  }
  expect((await cli("models", "infer", "mixed", "--input", "x.npy")).code).toBe(2);
});

test("a server-side refusal (wrong dtype) exits 1 with the gRPC code", async () => {
  const run = await cli("--json", "models", "infer", "mixed", "--input", "x=k.npy", "--input", "k=k.npy", "--input", "flag=flag.json", "--input", "text=text.json");
  expect(run.code).toBe(1);
  expect(JSON.parse(run.stdout)).toMatchObject({ error: { codeName: "INVALID_ARGUMENT", local: false } });
});
