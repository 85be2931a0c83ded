import { connect, type ClientHttp2Session } from "node:http2";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { ChatRequest, ChatResponse, DiagnosticsClient, DiagnosticsService } from "@inferd/grpc-types/v1";
import { createTestServer, readAll } from "@inferd/test-harness";
import { grpcMessage } from "../__tests__/raw-http2";
import { createDiagnosticsService, type ChatObserver } from "./diagnostics";

// Issue #10 item 6: Chat wrote an echo for every message whether or not the client read them
// (200k unread 1 KiB echoes: +314 MiB of server RSS).
const MESSAGES = 3000;
const TEXT = "x".repeat(1024);
/** The writable high-water mark of a grpc-js server stream (16 messages) plus the one that crossed it. */
const MAX_UNSENT_ECHOES = 17;

/** What the server side of a Chat call did: settles when it pauses, or reads everything without pausing. */
function watchChat(): { observer: ChatObserver; first: Promise<{ paused: boolean; read: number }>; mostPending(): number } {
  let most = 0;
  let settle!: (value: { paused: boolean; read: number }) => void;
  const first = new Promise<{ paused: boolean; read: number }>((resolve) => (settle = resolve));
  const observer: ChatObserver = {
    read(count, pending) {
      most = Math.max(most, pending);
      if (count === MESSAGES) settle({ paused: false, read: count });
    },
    paused: (count) => settle({ paused: true, read: count }),
  };
  return { observer, first, mostPending: () => most };
}

/** Splits gRPC length-prefixed frames out of a byte stream. */
function grpcFrames(onMessage: (bytes: Buffer) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
      const length = buffered.readUInt32BE(1);
      onMessage(buffered.subarray(5, 5 + length));
      buffered = buffered.subarray(5 + length);
    }
  };
}

describe("Chat backpressure over real HTTP/2", () => {
  let server: Server;
  let session: ClientHttp2Session | undefined;
  let watch = watchChat();

  beforeAll(async () => {
    const chatObserver: ChatObserver = {
      read: (count, pending) => watch.observer.read?.(count, pending),
      paused: (count, pending) => watch.observer.paused?.(count, pending),
    };
    server = new Server();
    server.addService(DiagnosticsService, createDiagnosticsService({ chatObserver }));
    await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  });
  afterAll(async () => {
    session?.destroy();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  // A raw HTTP/2 client: grpc-js's own client reads (and buffers) every message whether or not
  // the application reads, so it cannot play the client that does not read.
  test("a client that does not read: the server stops reading with a bounded number of unsent echoes, then all arrive in order", async () => {
    watch = watchChat();
    const port = (server as unknown as { http2Servers: Map<{ address(): { port: number } }, unknown> }).http2Servers.keys().next().value!.address().port;
    session = connect(`http://127.0.0.1:${port}`);
    const call = session.request({ ":method": "POST", ":path": "/inferd.v1.Diagnostics/Chat", "content-type": "application/grpc", te: "trailers" });
    call.pause(); // read nothing
    for (let i = 0; i < MESSAGES; i++) call.write(grpcMessage(Buffer.from(ChatRequest.encode({ text: TEXT }).finish())));
    const first = await watch.first;
    expect(first.paused).toBe(true);
    expect(first.read).toBeLessThan(MESSAGES);
    expect(watch.mostPending()).toBeLessThanOrEqual(MAX_UNSENT_ECHOES);

    // Now read: every echo arrives, in order, and the server's buffer never grew past the bound.
    const sequences: bigint[] = [];
    call.on("data", grpcFrames((bytes) => sequences.push(ChatResponse.decode(bytes).sequence)));
    const trailers = new Promise<string | undefined>((resolve) => call.once("trailers", (headers) => resolve(headers["grpc-status"] as string | undefined)));
    call.resume();
    call.end();
    expect(await trailers).toBe("0");
    expect(sequences).toEqual(Array.from({ length: MESSAGES }, (_, i) => BigInt(i + 1)));
    expect(watch.mostPending()).toBeLessThanOrEqual(MAX_UNSENT_ECHOES);
  });
});

test("the same holds in the test harness's fake mode (its client reads only on demand)", async () => {
  const watch = watchChat();
  const server = await createTestServer({ services: [[DiagnosticsService, createDiagnosticsService({ chatObserver: watch.observer })]], mode: "fake" });
  try {
    const call = server.client(DiagnosticsClient).chat();
    for (let i = 0; i < MESSAGES; i++) call.write({ text: TEXT });
    const first = await watch.first;
    expect(first.paused).toBe(true);
    expect(first.read).toBeLessThan(MESSAGES);
    const echoes = readAll<ChatResponse>(call);
    call.end();
    const all = await echoes;
    expect(all.map((echo) => echo.sequence)).toEqual(Array.from({ length: MESSAGES }, (_, i) => BigInt(i + 1)));
    expect(watch.mostPending()).toBeLessThanOrEqual(MAX_UNSENT_ECHOES);
  } finally {
    await server.close();
  }
});
