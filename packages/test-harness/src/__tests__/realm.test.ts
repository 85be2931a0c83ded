import { onnx } from "onnx-proto";
import { InferenceSession, Tensor } from "onnxruntime-node";

/** y = Relu(x + b): two real operators, four floats, built in code with onnx-proto. */
function reluAddModel(): Uint8Array {
  const float = onnx.TensorProto.DataType.FLOAT;
  const vector = (name: string): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: float, shape: { dim: [{ dimValue: 1 }, { dimValue: 4 }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "relu-add",
      input: [vector("x")],
      output: [vector("y")],
      initializer: [{ name: "b", dims: [1, 4], dataType: float, floatData: [1, 1, -10, 0.5] }],
      node: [
        { opType: "Add", input: ["x", "b"], output: ["sum"] },
        { opType: "Relu", input: ["sum"], output: ["y"] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe("the harness test environment", () => {
  test("lets onnxruntime-node take a Float32Array created in the test", async () => {
    const session = await InferenceSession.create(reluAddModel());
    try {
      // Under jest's default node environment this constructor throws: "A float32 tensor's data
      // must be type of function Float32Array()".
      const x = new Tensor("float32", new Float32Array([-2, 0, 3, 1.5]), [1, 4]);
      const { y } = await session.run({ x });
      expect(y?.dims).toEqual([1, 4]);
      expect(Array.from(y?.data as Float32Array)).toEqual([0, 1, 0, 2]);
    } finally {
      await session.release();
    }
  });
});
