/**
 * The startup baseline: the least a process serving a model must do — start Node, load the
 * model into onnxruntime, and answer gRPC health SERVING with bare grpc-js. Run by the bench
 * as `node model-server.js 0 <model.onnx>`; prints the address it bound.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import * as ort from "onnxruntime-node";
import { healthService, SERVING } from "../health";

async function main(): Promise<void> {
  const [port = "0", modelPath = ""] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ["cpu"], graphOptimizationLevel: "all" });
  const server = new Server();
  server.addService(healthService, { check: (_call: unknown, callback: (e: null, s: number) => void) => callback(null, SERVING) });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  console.log(`model server listening on 127.0.0.1:${bound}`);
  process.once("SIGTERM", () => {
    server.tryShutdown(() => {
      void session.release().finally(() => process.exit(0));
    });
  });
}

main().catch((error: unknown) => {
  console.error(`model server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
