import { connectivityState, type ChannelOptions, type experimental, type ChannelInterface } from "@grpc/grpc-js";
import { FakeClientCall, type FakeClientCallInit } from "./fake-client-call";
import { DEFAULT_MAX_RECEIVE_BYTES, DEFAULT_MAX_SEND_BYTES } from "./wire";

type ChannelzRef = ReturnType<ChannelInterface["getChannelzRef"]>;

/** How a fake channel opens calls on its server. */
export interface FakeChannelInit {
  readonly address: string;
  readonly options: ChannelOptions;
  readonly open: FakeClientCallInit["open"];
}

let nextChannelId = 1;
let nextCallNumber = 1;

/**
 * A grpc-js `Channel` that never touches the network: given to a generated client as
 * `channelOverride`, it hands each call to the in-process server. Always READY until closed;
 * a closed channel refuses new calls as grpc-js's does.
 */
export class FakeChannel implements ChannelInterface {
  private closed = false;
  private readonly channelzRef: ChannelzRef;

  constructor(private readonly init: FakeChannelInit) {
    this.channelzRef = { kind: "channel", id: nextChannelId++, name: `fake:${init.address}` } as ChannelzRef;
  }

  close(): void {
    this.closed = true;
  }

  getTarget(): string {
    return `fake:${this.init.address}`;
  }

  getConnectivityState(): connectivityState {
    return this.closed ? connectivityState.SHUTDOWN : connectivityState.READY;
  }

  watchConnectivityState(current: connectivityState, deadline: Date | number, callback: (error?: Error) => void): void {
    if (current !== this.getConnectivityState()) {
      process.nextTick(callback);
      return;
    }
    // The state of a fake channel only changes on close(); report the deadline as grpc-js does.
    const ms = (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now();
    setTimeout(() => callback(new Error("Deadline passed without connectivity state change")), Math.max(0, ms));
  }

  getChannelzRef(): ChannelzRef {
    return this.channelzRef;
  }

  createCall(method: string, deadline: Date | number): experimental.CallStream {
    if (this.closed) throw new Error("Channel has been shut down");
    const { options, address, open } = this.init;
    return new FakeClientCall({
      path: method,
      deadline: deadline instanceof Date ? deadline.getTime() : deadline,
      peer: address,
      callNumber: nextCallNumber++,
      maxReceiveBytes: options["grpc.max_receive_message_length"] ?? DEFAULT_MAX_RECEIVE_BYTES,
      maxSendBytes: options["grpc.max_send_message_length"] ?? DEFAULT_MAX_SEND_BYTES,
      open,
    });
  }
}
