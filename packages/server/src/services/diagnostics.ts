import type { ServerDuplexStream, ServerWritableStream } from "@grpc/grpc-js";
import type { ChatRequest, ChatResponse, DiagnosticsServer, StreamNumbersRequest, StreamNumbersResponse } from "@inferd/grpc-types/v1";
import { invalidArgument, toServiceError } from "../errors";
import { SERVER_VERSION } from "../version";

/** Largest count StreamNumbers accepts. */
export const MAX_STREAM_COUNT = 1_000_000;
/** Longest pause between two StreamNumbers messages. */
export const MAX_STREAM_INTERVAL_MS = 10_000;

function delay(ms: number, call: ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    call.once("cancelled", done);
    function done(): void {
      clearTimeout(timer);
      call.off("cancelled", done);
      resolve();
    }
  });
}

function waitForDrain(call: ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      call.off("cancelled", done);
      resolve();
    };
    call.once("drain", done);
    call.once("cancelled", done);
  });
}

async function streamNumbers(call: ServerWritableStream<StreamNumbersRequest, StreamNumbersResponse>): Promise<void> {
  const { count, intervalMs } = call.request;
  if (count > MAX_STREAM_COUNT) throw invalidArgument(`count ${count} is over the limit of ${MAX_STREAM_COUNT}`);
  if (intervalMs > MAX_STREAM_INTERVAL_MS) {
    throw invalidArgument(`interval_ms ${intervalMs} is over the limit of ${MAX_STREAM_INTERVAL_MS}`);
  }
  for (let value = 1; value <= count && !call.cancelled; value++) {
    if (value > 1 && intervalMs > 0) await delay(intervalMs, call);
    if (call.cancelled) return;
    if (!call.write({ value: BigInt(value) })) await waitForDrain(call);
  }
  if (!call.cancelled) call.end();
}

/** What a Chat call reports as it goes (tests and diagnostics watch its buffering through it). */
export interface ChatObserver {
  /** After each message read: messages read so far, and echoes written but not yet sent. */
  read?(count: number, pendingEchoes: number): void;
  /** Reading stopped because the client is not reading its echoes. */
  paused?(count: number, pendingEchoes: number): void;
}

/** Options of {@link createDiagnosticsService}. */
export interface DiagnosticsOptions {
  readonly chatObserver?: ChatObserver;
}

/**
 * Chat echoes each message. It honours backpressure: when an echo cannot be sent (the client
 * does not read), it stops reading until the echoes drain, so a client that only writes fills
 * its own HTTP/2 window instead of the server's memory. Without this, 200k unread 1 KiB
 * messages grew the server by 314 MiB (issue #10). What the server holds is bounded by the
 * stream's writable high-water mark plus its HTTP/2 receive window.
 */
function chat(call: ServerDuplexStream<ChatRequest, ChatResponse>, observer: ChatObserver): void {
  let sequence = 0n;
  let count = 0;
  const resume = (): void => {
    call.resume();
  };
  call.on("data", (request: ChatRequest) => {
    sequence += 1n;
    count += 1;
    const flowing = call.write({ text: request.text, sequence });
    observer.read?.(count, call.writableLength);
    if (!flowing) {
      call.pause();
      observer.paused?.(count, call.writableLength);
      call.once("drain", resume);
    }
  });
  call.on("error", () => undefined);
  call.on("cancelled", () => call.off("drain", resume));
  call.on("end", () => call.end());
}

/**
 * Diagnostics: one RPC of each gRPC kind, for connectivity checks, demos and benchmarks.
 * Stateless; touches no models or files.
 */
export function createDiagnosticsService(options: DiagnosticsOptions = {}): DiagnosticsServer {
  const chatObserver = options.chatObserver ?? {};
  return {
    ping(call, callback) {
      const { message, payload } = call.request;
      callback(null, { message, payload, serverTime: new Date(), serverVersion: SERVER_VERSION });
    },

    streamNumbers(call) {
      streamNumbers(call).catch((error: unknown) => call.emit("error", toServiceError(error)));
    },

    uploadNumbers(call, callback) {
      let sum = 0n;
      let count = 0n;
      call.on("data", (request: { value: bigint }) => {
        sum += request.value;
        count += 1n;
      });
      call.on("error", () => undefined); // a cancelled client: nothing to answer
      call.on("end", () => callback(null, { sum: BigInt.asIntN(64, sum), count }));
    },

    chat(call) {
      chat(call, chatObserver);
    },
  };
}
