import {
  Metadata,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { scopeOfCall } from "../handler-context";
import { hop, type ClientEnd, type ServerEnd } from "./ends";
import { FlowQueue } from "./flow-queue";
import { loadPerRequestMetricRecorder, type RegisteredHandler } from "./grpc-internals";
import { blockFromMetadata, COMPRESSION_HEADERS, RESPONSE_HEADERS, withDate, type HeaderBlock } from "./wire";

type InterceptingServerListener = Parameters<ServerInterceptingCallInterface["start"]>[0];
type PartialStatusObject = Parameters<ServerInterceptingCallInterface["sendStatus"]>[0];
type AuthContext = ReturnType<ServerInterceptingCallInterface["getAuthContext"]>;
type ConnectionInfo = ReturnType<ServerInterceptingCallInterface["getConnectionInfo"]>;
type MetricsRecorder = ReturnType<ServerInterceptingCallInterface["getMetricsRecorder"]>;

// grpc-js's own recorder class, loaded (and checked) by the first fake call, never at import.
let PerRequestMetricRecorder: (new () => MetricsRecorder) | undefined;

/** Everything a fake server call needs to know when it opens. */
export interface FakeServerCallInit {
  readonly handler: RegisteredHandler;
  /** Request metadata, already as the server would receive it. */
  readonly metadata: Metadata;
  /** Epoch ms, or Infinity. */
  readonly deadline: number;
  readonly host: string;
  readonly peer: string;
  readonly maxReceiveBytes: number;
  readonly maxSendBytes: number;
  readonly client: ClientEnd;
  /** Called once, when the call has ended on the server side. */
  readonly onEnd: () => void;
}

type Inbound = { readonly kind: "message"; readonly bytes: Buffer } | { readonly kind: "halfClose" };

/**
 * The bottom of the server's interceptor chain in fake mode: grpc-js's
 * `BaseServerInterceptingCall` with the HTTP/2 stream replaced by a {@link ClientEnd}. It keeps
 * that class's rules: codecs run here, size limits give RESOURCE_EXHAUSTED, nothing is sent
 * after the call ended, and `onCancel` follows both a sent status and a client reset.
 */
export class FakeServerCall implements ServerInterceptingCallInterface, ServerEnd {
  private listener: InterceptingServerListener | null = null;
  private readonly inbox = new FlowQueue<Inbound>();
  private readPending = false;
  private ended = false;
  private metadataSent = false;
  private readonly metricsRecorder = new (PerRequestMetricRecorder ??= loadPerRequestMetricRecorder())();

  constructor(private readonly init: FakeServerCallInit) {}

  /** Builds the interceptor chain over this call the way grpc-js's getServerInterceptingCall does. */
  intercept(interceptors: readonly ServerInterceptor[]): ServerInterceptingCallInterface {
    const { handler } = this.init;
    const method = {
      path: handler.path,
      requestStream: handler.type === "clientStream" || handler.type === "bidi",
      responseStream: handler.type === "serverStream" || handler.type === "bidi",
      requestDeserialize: handler.deserialize,
      responseSerialize: handler.serialize,
    };
    return interceptors.reduce<ServerInterceptingCallInterface>((call, interceptor) => interceptor(method, call), this);
  }

  start(listener: InterceptingServerListener): void {
    if (this.ended) return;
    this.listener = listener;
    listener.onReceiveMetadata(this.init.metadata);
  }

  sendMetadata(metadata: Metadata): void {
    if (this.ended || this.metadataSent) return;
    this.metadataSent = true;
    const block = withDate({ ...RESPONSE_HEADERS, ...COMPRESSION_HEADERS, ...blockFromMetadata(metadata) });
    const { client } = this.init;
    hop(() => client.receiveHeaders(block));
  }

  sendMessage(message: unknown, callback: () => void): void {
    if (this.ended) return;
    let bytes: Buffer;
    try {
      bytes = this.init.handler.serialize(message);
    } catch {
      this.sendStatus({ code: status.INTERNAL, details: "Error serializing response", metadata: null });
      return;
    }
    const { maxSendBytes, client } = this.init;
    if (maxSendBytes !== -1 && bytes.length > maxSendBytes) {
      this.sendStatus({
        code: status.RESOURCE_EXHAUSTED,
        details: `Sent message larger than max (${bytes.length + 5} vs. ${maxSendBytes})`,
        metadata: null,
      });
      return;
    }
    if (!this.metadataSent) this.sendMetadata(new Metadata());
    hop(() => client.receiveMessage(bytes, callback));
  }

  sendStatus(final: PartialStatusObject): void {
    if (this.ended) return;
    const statusBlock: HeaderBlock = {
      "grpc-status": String(final.code),
      "grpc-message": encodeURI(final.details),
      ...blockFromMetadata(final.metadata),
    };
    // A status before any headers goes out as a trailers-only response, headers included.
    const block = this.metadataSent ? statusBlock : withDate({ ...RESPONSE_HEADERS, ...statusBlock });
    const cause = final.code === status.UNKNOWN ? scopeOfCall.get(this)?.handlerError : undefined;
    const { client } = this.init;
    // The call counts as running until the client has its trailers, as an HTTP/2 stream would.
    hop(() => {
      client.receiveTrailers(block, cause);
      this.init.onEnd();
    });
    this.end(false);
  }

  startRead(): void {
    if (this.ended) return;
    this.readPending = true;
    this.pump();
  }

  getPeer(): string {
    return this.init.peer;
  }

  getDeadline(): number {
    return this.init.deadline;
  }

  getHost(): string {
    return this.init.host;
  }

  getAuthContext(): AuthContext {
    return {};
  }

  getConnectionInfo(): ConnectionInfo {
    return {};
  }

  getMetricsRecorder(): MetricsRecorder {
    return this.metricsRecorder;
  }

  receiveMessage(bytes: Buffer, ack: () => void): void {
    if (this.ended) return;
    const { maxReceiveBytes } = this.init;
    if (maxReceiveBytes !== -1 && bytes.length > maxReceiveBytes) {
      this.sendStatus({
        code: status.RESOURCE_EXHAUSTED,
        details: `Received message larger than max (${bytes.length} vs ${maxReceiveBytes})`,
      });
      return;
    }
    this.inbox.push({ kind: "message", bytes }, bytes.length, ack);
    this.pump();
  }

  receiveHalfClose(): void {
    if (this.ended) return;
    this.inbox.push({ kind: "halfClose" }, 0);
    this.pump();
  }

  receiveReset(): void {
    this.end();
  }

  /** Ends the call from the server's side without a status (force shutdown). */
  abort(): void {
    if (this.ended) return;
    const { client } = this.init;
    hop(() => client.receiveReset());
    this.end();
  }

  private pump(): void {
    while (!this.ended && this.listener && this.readPending && this.inbox.length > 0) {
      this.readPending = false;
      const entry = this.inbox.shift();
      if (entry?.kind === "message") {
        let request: unknown;
        try {
          request = this.init.handler.deserialize(entry.bytes);
        } catch {
          this.sendStatus({ code: status.INTERNAL, details: "Error deserializing request" });
          return;
        }
        this.listener.onReceiveMessage(request);
      } else if (entry?.kind === "halfClose") {
        this.listener.onReceiveHalfClose();
      }
    }
  }

  /** grpc-js's notifyOnCancel: the handler learns on the next tick that the call is over. */
  private end(release = true): void {
    if (this.ended) return;
    this.ended = true;
    this.inbox.clear();
    process.nextTick(() => this.listener?.onCancel());
    if (release) this.init.onEnd();
  }
}
