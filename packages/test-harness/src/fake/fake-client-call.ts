import { Metadata, status, type experimental, type StatusObject } from "@grpc/grpc-js";
import { hop, type ClientEnd, type ServerEnd } from "./ends";
import { FlowQueue } from "./flow-queue";
import { metadataFromBlock, type HeaderBlock } from "./wire";

type CallStream = experimental.CallStream;
type InterceptingListener = Parameters<CallStream["start"]>[1];
type MessageContext = Parameters<CallStream["sendMessageWithContext"]>[0];

/** How a fake client call reaches the server, and its channel's limits. */
export interface FakeClientCallInit {
  readonly path: string;
  /** Epoch ms, or Infinity. */
  readonly deadline: number;
  readonly peer: string;
  readonly callNumber: number;
  readonly maxReceiveBytes: number;
  readonly maxSendBytes: number;
  /** Opens the server side once the request headers "arrive". */
  readonly open: (path: string, metadata: Metadata, deadline: number, client: ClientEnd) => ServerEnd;
}

/** A status as the client sees it; in fake mode it may carry the handler's thrown error. */
type ClientStatus = StatusObject & { cause?: unknown };

/**
 * The bottom of a grpc-js client call in fake mode: what grpc-js's resolving, load-balancing and
 * HTTP/2 subchannel calls do, collapsed into one in-process object. The generated client, its
 * interceptors and grpc-js's codec layer (BaseInterceptingCall) sit above it unchanged.
 */
export class FakeClientCall implements CallStream, ClientEnd {
  private listener: InterceptingListener | null = null;
  private server: ServerEnd | null = null;
  private readonly inbox = new FlowQueue<Buffer>();
  private readPending = false;
  private readsClosed = false;
  private finalStatus: ClientStatus | null = null;
  private statusOutput = false;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly init: FakeClientCallInit) {
    if (Number.isFinite(init.deadline)) {
      this.deadlineTimer = setTimeout(() => this.onDeadline(), Math.max(0, init.deadline - Date.now()));
    }
  }

  start(metadata: Metadata, listener: InterceptingListener): void {
    this.listener = listener;
    const { open, path, deadline } = this.init;
    const requestMetadata = metadata.clone();
    hop(() => {
      if (this.finalStatus) return;
      this.server = open(path, requestMetadata, deadline, this);
    });
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    if (this.finalStatus) {
      context.callback?.();
      return;
    }
    const { maxSendBytes } = this.init;
    if (maxSendBytes !== -1 && message.length > maxSendBytes) {
      this.cancelWithStatus(
        status.RESOURCE_EXHAUSTED,
        `Attempted to send message with a size larger than ${maxSendBytes}`,
      );
      return;
    }
    const ack = (): void => context.callback?.();
    hop(() => this.server?.receiveMessage(message, ack));
  }

  startRead(): void {
    this.readPending = true;
    this.pump();
  }

  halfClose(): void {
    hop(() => this.server?.receiveHalfClose());
  }

  cancelWithStatus(code: status, details: string): void {
    if (this.finalStatus) return;
    this.endCall({ code, details, metadata: new Metadata() });
    hop(() => this.server?.receiveReset());
  }

  getPeer(): string {
    return this.init.peer;
  }

  getCallNumber(): number {
    return this.init.callNumber;
  }

  setCredentials(): void {
    // Per-call credentials need a secure channel; a test server is insecure in both modes.
  }

  getAuthContext(): ReturnType<CallStream["getAuthContext"]> {
    return {};
  }

  receiveHeaders(block: HeaderBlock): void {
    if (this.finalStatus) return;
    const metadata = metadataFromBlock(block);
    // grpc-js's compression filter consumes these two.
    metadata.remove("grpc-encoding");
    metadata.remove("grpc-accept-encoding");
    this.listener?.onReceiveMetadata(metadata);
  }

  receiveMessage(bytes: Buffer, ack: () => void): void {
    if (this.statusOutput) return;
    const { maxReceiveBytes } = this.init;
    if (maxReceiveBytes !== -1 && bytes.length > maxReceiveBytes) {
      this.cancelWithStatus(
        status.RESOURCE_EXHAUSTED,
        `Received message larger than max (${bytes.length} vs ${maxReceiveBytes})`,
      );
      return;
    }
    this.inbox.push(bytes, bytes.length, ack);
    this.pump();
  }

  receiveTrailers(block: HeaderBlock, cause: unknown): void {
    const metadata = metadataFromBlock(block);
    const code = Number(metadata.get("grpc-status")[0]);
    const message = metadata.get("grpc-message")[0];
    metadata.remove("grpc-status");
    metadata.remove("grpc-message");
    let details = "";
    if (typeof message === "string") {
      try {
        details = decodeURI(message);
      } catch {
        details = message;
      }
    }
    const final: ClientStatus = { code, details, metadata };
    // Enumerable, so grpc-js's callErrorFromStatus copies it onto the ServiceError and jest
    // prints the handler's own stack under "Cause:".
    if (cause !== undefined) final.cause = cause;
    this.readsClosed = true;
    this.endCall(final);
  }

  receiveReset(): void {
    this.cancelWithStatus(status.CANCELLED, "Call cancelled by the server");
  }

  private onDeadline(): void {
    this.deadlineTimer = undefined;
    const elapsed = ((Date.now() - this.startedAt) / 1000).toFixed(3);
    this.cancelWithStatus(status.DEADLINE_EXCEEDED, `Deadline exceeded after ${elapsed}s,remote_addr=${this.init.peer}`);
  }

  private pump(): void {
    while (this.readPending && this.inbox.length > 0 && !this.statusOutput) {
      this.readPending = false;
      const bytes = this.inbox.shift();
      if (bytes) this.listener?.onReceiveMessage(bytes);
    }
    this.maybeOutputStatus();
  }

  private endCall(final: ClientStatus): void {
    if (this.finalStatus) return;
    this.finalStatus = final;
    this.maybeOutputStatus();
  }

  /** grpc-js's rule: an error ends the call at once; OK waits until every message was read. */
  private maybeOutputStatus(): void {
    const final = this.finalStatus;
    if (!final || this.statusOutput) return;
    const drained = this.readsClosed && this.inbox.length === 0;
    if (final.code === status.OK && !drained) return;
    this.inbox.clear();
    this.statusOutput = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    process.nextTick(() => this.listener?.onReceiveStatus(final));
  }
}
