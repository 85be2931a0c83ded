// A jest test environment for code that uses native addons such as onnxruntime-node.
//
// jest runs each test file in its own vm realm, so `new Float32Array()` in a test is not an
// instance of the host realm's Float32Array, and onnxruntime-node rejects it ("A float32
// tensor's data must be type of function Float32Array()"). This environment hands the test
// realm the host realm's typed-array and buffer constructors, so both sides agree.
// (Symbol.asyncDispose for `await using` needs nothing here: jest-environment-node 30 sets it.)
const { TestEnvironment } = require("jest-environment-node");

const HOST_CONSTRUCTORS = [
  "ArrayBuffer",
  "SharedArrayBuffer",
  "DataView",
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
];

class InferdTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of HOST_CONSTRUCTORS) {
      if (typeof globalThis[name] === "function") this.global[name] = globalThis[name];
    }
  }
}

module.exports = InferdTestEnvironment;
module.exports.TestEnvironment = InferdTestEnvironment;
