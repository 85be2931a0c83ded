import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { multiModel } from "./__tests__/tensor-models";
import { tempDir } from "./__tests__/tiny-models";
import type { ModelLoader } from "./runtime";
import { loadOnnxModel } from "./runtime";
import { loadOnnxModelInWorker } from "./worker-runtime";

let dir: string;
beforeAll(async () => {
  dir = await tempDir("tensor-run");
  await writeFile(join(dir, "multi.onnx"), multiModel());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test.each<[string, ModelLoader]>([
  ["in process", loadOnnxModel],
  ["in a worker thread", loadOnnxModelInWorker],
])("%s: several named inputs of different types, every output in its own type", async (_where, loader) => {
  const session = await loader(join(dir, "multi.onnx"), { intraOpThreads: 1, interOpThreads: 1 });
  try {
    expect(session.inputs.map((i) => [i.name, i.dataType, i.shape])).toEqual([
      ["x", "float32", [-1, 2]],
      ["k", "int64", [-1]],
      ["flag", "bool", [-1]],
      ["half", "float16", [-1]],
    ]);
    const feeds = new Map([
      ["x", { type: "float32" as const, data: Float32Array.from([1, 2, 3, 4]), dims: [2, 2] }],
      ["k", { type: "int64" as const, data: BigInt64Array.from([2n ** 40n, -3n]), dims: [2] }],
      ["flag", { type: "bool" as const, data: Uint8Array.from([1, 0]), dims: [2] }],
      ["half", { type: "float16" as const, data: Uint16Array.from([0x3c00, 0xc000]), dims: [2] }],
    ]);
    const outputs = await session.runTensors!(feeds, ["double", "k_plus_k", "not_flag", "half_as_float", "x_as_half"]);
    expect(outputs.get("double")).toEqual({ type: "float32", data: Float32Array.from([2, 4, 6, 8]), dims: [2, 2] });
    expect(outputs.get("k_plus_k")).toEqual({ type: "int64", data: BigInt64Array.from([2n ** 41n, -6n]), dims: [2] });
    expect(outputs.get("not_flag")?.type).toBe("bool");
    expect([...(outputs.get("not_flag")?.data as Uint8Array)].map(Boolean)).toEqual([false, true]);
    expect(outputs.get("half_as_float")).toEqual({ type: "float32", data: Float32Array.from([1, -2]), dims: [2] });
    expect(outputs.get("x_as_half")?.type).toBe("float16");
    expect([...(outputs.get("x_as_half")?.data as Uint16Array)]).toEqual([0x3c00, 0x4000, 0x4200, 0x4400]);
  } finally {
    await session.release();
  }
});
