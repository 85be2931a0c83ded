import { connect, type ClientHttp2Session, type Settings } from "node:http2";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { CONNECTION_RECEIVE_WINDOW_BYTES, raiseReceiveWindows, STREAM_RECEIVE_WINDOW_BYTES } from "./flow-control";

let server: Server | undefined;
let session: ClientHttp2Session | undefined;

afterEach(async () => {
  session?.destroy();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  server = undefined;
  session = undefined;
});

async function serve(raise: boolean): Promise<number> {
  server = new Server();
  const afterBind = raise ? raiseReceiveWindows(server) : undefined;
  const port = await new Promise<number>((resolve, reject) =>
    server!.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  afterBind?.();
  return port;
}

/** What a client sees of the server's receive windows: its SETTINGS, then its connection window. */
async function windowsSeenByClient(port: number): Promise<{ stream: number | undefined; connection: number | undefined }> {
  const client = connect(`http://127.0.0.1:${port}`);
  session = client;
  const settings = await new Promise<Settings>((resolve) => client.once("remoteSettings", resolve));
  // The server's WINDOW_UPDATE goes out before it acknowledges a later PING.
  await new Promise<void>((resolve, reject) => client.ping((error) => (error ? reject(error) : resolve())));
  return { stream: settings.initialWindowSize, connection: client.state.remoteWindowSize };
}

test("the server advertises the raised per-stream and per-connection receive windows", async () => {
  const seen = await windowsSeenByClient(await serve(true));
  expect(seen.stream).toBe(STREAM_RECEIVE_WINDOW_BYTES);
  expect(seen.connection).toBe(CONNECTION_RECEIVE_WINDOW_BYTES);
});

test("without it, grpc-js keeps HTTP/2's 64 KiB windows (what the fix is for)", async () => {
  const seen = await windowsSeenByClient(await serve(false));
  expect(seen.stream).toBe(65_535);
  expect(seen.connection).toBe(65_535);
});
