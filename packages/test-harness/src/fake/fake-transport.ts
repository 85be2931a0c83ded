import { credentials, status, type Metadata } from "@grpc/grpc-js";
import type { Transport, TransportSpec } from "../transport";
import { hop, type ClientEnd, type ServerEnd } from "./ends";
import { FakeChannel } from "./fake-channel";
import { FakeServerCall } from "./fake-server-call";
import { createHandlerRegistry } from "./grpc-internals";
import {
  blockFromMetadata,
  DEFAULT_MAX_RECEIVE_BYTES,
  DEFAULT_MAX_SEND_BYTES,
  metadataFromBlock,
  RESPONSE_HEADERS,
  userAgent,
  withDate,
} from "./wire";

/** The server end of a call that was answered before reaching a handler: it ignores the client. */
const ANSWERED: ServerEnd = { receiveMessage: () => undefined, receiveHalfClose: () => undefined, receiveReset: () => undefined };

let nextServerId = 1;

/**
 * Fake mode: generated clients get a {@link FakeChannel}; each call becomes a
 * {@link FakeServerCall} under the same interceptor chain and grpc-js dispatcher as real mode.
 */
export function createFakeTransport(spec: TransportSpec): Transport {
  const registry = createHandlerRegistry(spec);
  const address = `in-process:${nextServerId++}`;
  const maxReceiveBytes = spec.serverOptions["grpc.max_receive_message_length"] ?? DEFAULT_MAX_RECEIVE_BYTES;
  const maxSendBytes = spec.serverOptions["grpc.max_send_message_length"] ?? DEFAULT_MAX_SEND_BYTES;
  const running = new Set<FakeServerCall>();
  let accepting = true;
  let onIdle: (() => void) | undefined;

  function answer(client: ClientEnd, code: status, details: string): ServerEnd {
    const block = withDate({ ...RESPONSE_HEADERS, "grpc-status": String(code), "grpc-message": encodeURI(details) });
    hop(() => client.receiveTrailers(block, undefined));
    return ANSWERED;
  }

  function open(path: string, metadata: Metadata, deadline: number, client: ClientEnd, agent: string): ServerEnd {
    if (!accepting) return answer(client, status.UNAVAILABLE, "Server is shutting down");
    const handler = registry.lookup(path);
    if (!handler) return answer(client, status.UNIMPLEMENTED, `The server does not implement the method ${path}`);
    const call: FakeServerCall = new FakeServerCall({
      handler,
      metadata: metadataFromBlock({ ...blockFromMetadata(metadata), "user-agent": agent }),
      deadline,
      host: address,
      peer: "in-process",
      maxReceiveBytes,
      maxSendBytes,
      client,
      onEnd() {
        running.delete(call);
        if (running.size === 0) onIdle?.();
      },
    });
    running.add(call);
    registry.run(call.intercept(spec.interceptors), handler);
    return call;
  }

  return {
    address,
    connect(ctor, options) {
      const agent = userAgent(options);
      const channel = new FakeChannel({
        address,
        options,
        open: (path, metadata, deadline, client) => open(path, metadata, deadline, client, agent),
      });
      return new ctor(address, credentials.createInsecure(), { ...options, channelOverride: channel });
    },
    async shutdown(graceMs) {
      accepting = false;
      if (running.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            for (const call of running) call.abort();
            resolve();
          }, graceMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // Let the last trailers' status callbacks (process.nextTick) run before close() resolves.
      await new Promise((resolve) => setImmediate(resolve));
      registry.close();
    },
  };
}
