import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";

/** How a method streams: the four gRPC call shapes. */
export type CallKind = "unary" | "server" | "client" | "bidi";

/** What came back from one raw call. */
export interface RawOutcome {
  /** The status the server sent; "stopped" when the client stopped reading a live stream. */
  readonly code: status | "stopped";
  /** Response messages received before the end. */
  readonly messages: readonly Buffer[];
  /** The status message, for diagnosing a failure (tests assert codes, never this text). */
  readonly details?: string;
}

/** Options of one raw call. */
export interface RawCallOptions {
  readonly metadata?: Metadata;
  /** Deadline from now; default 20 s (a bound, never a synchronisation). */
  readonly deadlineMs?: number;
  /** Stop (cancel) a response stream after this many messages; default 4. */
  readonly maxMessages?: number;
  /** Stop (cancel) a response stream at the first message for which this is true. */
  readonly stopWhen?: (message: Buffer) => boolean;
}

/** A client that sends pre-encoded frames to any method path. */
export interface RawClient {
  call(path: string, kind: CallKind, frames: readonly Buffer[], options?: RawCallOptions): Promise<RawOutcome>;
  close(): void;
}

const identity = (value: Buffer): Buffer => value;

/**
 * A generic grpc-js client with identity serializers: the bytes given are the bytes sent, so
 * tests can send invalid protobuf, another message's bytes, or several messages to a unary
 * method's path, exactly as a hostile client could.
 */
export function createRawClient(address: string): RawClient {
  // A connection of its own (local subchannel pool), so each raw client is one HTTP/2 session.
  const client = new Client(address, credentials.createInsecure(), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    "grpc.use_local_subchannel_pool": 1,
  });
  return {
    call(path, kind, frames, options = {}) {
      const metadata = options.metadata ?? new Metadata();
      const callOptions = { deadline: Date.now() + (options.deadlineMs ?? 20_000) };
      const maxMessages = options.maxMessages ?? 4;
      return new Promise((resolve) => {
        const messages: Buffer[] = [];
        let settled = false;
        const finish = (code: status | "stopped", details?: string): void => {
          if (settled) return;
          settled = true;
          resolve({ code, messages, ...(details !== undefined ? { details } : {}) });
        };
        const unaryCallback = (error: ServiceError | null, response?: Buffer): void => {
          if (response) messages.push(response);
          finish(error ? error.code : status.OK, error?.details);
        };
        if (kind === "unary") {
          client.makeUnaryRequest(path, identity, identity, frames[0] ?? Buffer.alloc(0), metadata, callOptions, unaryCallback);
          return;
        }
        if (kind === "client") {
          const call = client.makeClientStreamRequest(path, identity, identity, metadata, callOptions, unaryCallback);
          call.on("error", () => undefined); // the callback reports the status
          for (const frame of frames) call.write(frame);
          call.end();
          return;
        }
        const call =
          kind === "server"
            ? client.makeServerStreamRequest(path, identity, identity, frames[0] ?? Buffer.alloc(0), metadata, callOptions)
            : client.makeBidiStreamRequest(path, identity, identity, metadata, callOptions);
        call.on("data", (message: Buffer) => {
          messages.push(message);
          if (messages.length >= maxMessages || options.stopWhen?.(message)) {
            finish("stopped");
            call.cancel();
          }
        });
        call.on("error", (error: ServiceError) => finish(error.code, error.details));
        call.on("status", (sent: { code: status }) => finish(sent.code));
        if (kind === "bidi") {
          const writable = call as unknown as { write(frame: Buffer): void; end(): void };
          for (const frame of frames) writable.write(frame);
          writable.end();
        }
      });
    },
    close: () => client.close(),
  };
}
