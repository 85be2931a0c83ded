/**
 * The unary baseline: a bare grpc-js server answering Diagnostics.Ping with the same message
 * inferd sends (same generated codec, same fields), and nothing else — no auth, no logging,
 * no metrics, no interceptors. Run by the bench as `node bare-server.js 0`; prints the address it bound.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { DiagnosticsService, type DiagnosticsServer } from "@inferd/grpc-types/v1";
import { healthService, SERVING } from "../health";

// inferd answers with its version; read it without loading the server package itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("@inferd/server/package.json") as { version: string };

const port = Number(process.argv[2] ?? "0");
const server = new Server();
const diagnostics: Pick<DiagnosticsServer, "ping"> = {
  ping(call, callback) {
    const { message, payload } = call.request;
    callback(null, { message, payload, serverTime: new Date(), serverVersion: version });
  },
};
server.addService(DiagnosticsService, diagnostics);
server.addService(healthService, { check: (_call: unknown, callback: (e: null, s: number) => void) => callback(null, SERVING) });
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, bound) => {
  if (error) {
    console.error(`bare server: ${error.message}`);
    process.exit(1);
  }
  console.log(`bare server listening on 127.0.0.1:${bound}`);
});
process.once("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
