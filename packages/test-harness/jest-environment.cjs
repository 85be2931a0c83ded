// A jest test environment for gRPC services and native addons such as onnxruntime-node.
//
// jest runs each test file in its own vm realm, which breaks two things that cross into the host
// realm:
// 1. `new Float32Array()` in a test is not an instance of the host realm's Float32Array, so
//    onnxruntime-node rejects it ("A float32 tensor's data must be type of function
//    Float32Array()"). The test realm gets the host realm's typed-array and buffer constructors,
//    so both sides agree.
// 2. Node 20 defines Symbol.dispose / Symbol.asyncDispose on the host realm's Symbol only, so
//    `await using server = await createTestServer(...)` would look up an undefined key. The test
//    realm's Symbol gets the host's symbols.
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

const HOST_SYMBOLS = ["dispose", "asyncDispose"];

class InferdTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of HOST_CONSTRUCTORS) {
      if (typeof globalThis[name] === "function") this.global[name] = globalThis[name];
    }
    const testSymbol = this.global.Symbol;
    for (const name of HOST_SYMBOLS) {
      if (typeof Symbol[name] === "symbol" && typeof testSymbol[name] !== "symbol") {
        Object.defineProperty(testSymbol, name, { value: Symbol[name] });
      }
    }
  }
}

module.exports = InferdTestEnvironment;
module.exports.TestEnvironment = InferdTestEnvironment;
