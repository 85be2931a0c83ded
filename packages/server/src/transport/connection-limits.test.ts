import { connect as connectTcp, type Socket } from "node:net";
import { connect, type ClientHttp2Session, type Settings } from "node:http2";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { startServer, type ServerFixture } from "../__tests__/server-fixture";
import {
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTION_IDLE_MS,
  DEFAULT_MAX_METADATA_KB,
} from "../config/defaults";
import { channelOptions, type InferdServerOptions } from "../server";

// Issue #10 items 5 (connections) and 12 (header list size).
const PING_FRAME = 0x6;

let f: ServerFixture | undefined;
const sessions: ClientHttp2Session[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.destroy();
  for (const socket of sockets.splice(0)) socket.destroy();
  await f?.close();
  f = undefined;
});

async function serve(options: InferdServerOptions = {}): Promise<ServerFixture> {
  f = await startServer(options);
  return f;
}

function http2Client(port: number): ClientHttp2Session {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined); // closed by the server: seen through "close"
  sessions.push(session);
  return session;
}

function tcp(port: number): Socket {
  const socket = connectTcp(port, "127.0.0.1");
  socket.on("error", () => undefined);
  socket.resume(); // read to the end, so "close" follows the server's FIN
  sockets.push(socket);
  return socket;
}

const closed = (emitter: Socket | ClientHttp2Session): Promise<void> => new Promise((resolve) => emitter.once("close", () => resolve()));

/** Frame types the server sent on a raw socket, in order. */
function frameTypes(socket: Socket): number[] {
  const types: number[] = [];
  let buffered = Buffer.alloc(0);
  socket.on("data", (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    while (buffered.length >= 9 && buffered.length >= 9 + buffered.readUIntBE(0, 3)) {
      types.push(buffered[3] ?? -1);
      buffered = buffered.subarray(9 + buffered.readUIntBE(0, 3));
    }
  });
  return types;
}

function pingWithMetadata(fixture: ServerFixture, bytes: number): Promise<ServiceError | null> {
  const metadata = new Metadata();
  metadata.set("x-filler", "a".repeat(bytes));
  return new Promise((resolve) =>
    fixture.diagnostics.ping({ message: "", payload: Buffer.alloc(0) }, metadata, { deadline: Date.now() + 20_000 }, (error) => resolve(error)),
  );
}

test("by default connections are pinged and closed when idle (grpc-js alone keeps them forever)", () => {
  const options = channelOptions(1024);
  expect(options["grpc.keepalive_time_ms"]).toBe(DEFAULT_KEEPALIVE_TIME_MS);
  expect(options["grpc.keepalive_timeout_ms"]).toBe(DEFAULT_KEEPALIVE_TIMEOUT_MS);
  expect(options["grpc.max_connection_idle_ms"]).toBe(DEFAULT_MAX_CONNECTION_IDLE_MS);
});

test("the server advertises its real stream and header-list limits in SETTINGS", async () => {
  const fixture = await serve();
  const settings = await new Promise<Settings>((resolve) => http2Client(fixture.server.port).once("remoteSettings", resolve));
  expect(settings.maxConcurrentStreams).toBe(DEFAULT_MAX_CONCURRENT_STREAMS);
  expect(settings.maxHeaderListSize).toBe(DEFAULT_MAX_METADATA_KB * 1024);
});

test("the limits follow the options", async () => {
  const fixture = await serve({ connections: { maxConcurrentStreams: 7, maxHeaderListBytes: 9000 } });
  const settings = await new Promise<Settings>((resolve) => http2Client(fixture.server.port).once("remoteSettings", resolve));
  expect(settings.maxConcurrentStreams).toBe(7);
  expect(settings.maxHeaderListSize).toBe(9000);
});

test("metadata over the advertised limit fails at once with RESOURCE_EXHAUSTED; under it works", async () => {
  const fixture = await serve({ connections: { maxHeaderListBytes: 16 * 1024 } });
  expect(await pingWithMetadata(fixture, 8 * 1024)).toBeNull();
  const error = await pingWithMetadata(fixture, 100 * 1024);
  expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
  // The server still answers on the same channel.
  expect(await pingWithMetadata(fixture, 1024)).toBeNull();
});

test("connections without calls are closed after the idle time, HTTP/2 clients and bare TCP alike", async () => {
  const fixture = await serve({ keepalive: { maxConnectionIdleMs: 200 } });
  const client = http2Client(fixture.server.port);
  const goaway = new Promise<void>((resolve) => client.once("goaway", () => resolve()));
  const bare = tcp(fixture.server.port);
  await Promise.all([goaway, closed(client), closed(bare)]);
});

test("a peer that stops answering keepalive pings is dropped", async () => {
  // Idle closing stays at its 5-minute default: only the unanswered ping can close this one.
  const fixture = await serve({ keepalive: { timeMs: 100, timeoutMs: 100 } });
  const silent = tcp(fixture.server.port);
  const types = frameTypes(silent);
  silent.write(Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
  await closed(silent);
  expect(types).toContain(PING_FRAME);
});

test("connections past max-connections are closed on arrival; the others keep working", async () => {
  const fixture = await serve({ connections: { maxConnections: 2 } });
  // The fixture's clients have not connected yet: these two take both places.
  const first = http2Client(fixture.server.port);
  const second = http2Client(fixture.server.port);
  await Promise.all([first, second].map((s) => new Promise((resolve) => s.once("remoteSettings", resolve))));
  const third = tcp(fixture.server.port);
  const types = frameTypes(third);
  await closed(third);
  expect(types).toEqual([]); // never got the server's SETTINGS
  first.destroy();
  await closed(first);
});
