import { Metadata, status, type ServerUnaryCall, type ServerWritableStream } from "@grpc/grpc-js";
import { DiagnosticsClient, DiagnosticsService, type PingResponse, type StreamNumbersResponse } from "@inferd/grpc-types/v1";
import { createTestServer, implement } from "../../index";
import { deferred, drain, parity, settle } from "./parity";

const EMPTY = { message: "", payload: Buffer.alloc(0) };
// Generous, and counted from after a warm-up call: the scenarios need the call to reach its
// handler before the deadline even on a loaded machine (the deadline itself is the point).
const DEADLINE_MS = 400;
const WARM_UP = { message: "warm-up", payload: Buffer.alloc(0) };

/** One answered call first, so the connection exists before the timed call starts. */
async function warmUp(client: DiagnosticsClient): Promise<void> {
  const { error } = await settle<PingResponse>((cb) => client.ping(WARM_UP, cb));
  if (error) throw new Error(`warm-up failed: ${error.details}`);
}

/** What a handler saw of its call's end. */
interface HandlerView {
  deadlineOffByMs: number;
  cancelledFlag: boolean;
}

function watchCancel(call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>, deadline: number) {
  const seen = deferred<HandlerView>();
  call.on("cancelled", () =>
    seen.resolve({
      deadlineOffByMs: Math.abs(Number(call.getDeadline()) - deadline),
      cancelledFlag: call.cancelled,
    }),
  );
  return seen;
}

parity(
  "a deadline ends a stuck unary call with DEADLINE_EXCEEDED; the handler sees the deadline and the cancel",
  async (mode) => {
    let deadline = Infinity;
    let view: Promise<HandlerView> | undefined;
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call, callback) {
            if (call.request.message === WARM_UP.message) callback(null, { ...WARM_UP, serverVersion: "" });
            else view = watchCancel(call, deadline).promise;
          },
        }),
      ],
    });
    const client = server.client(DiagnosticsClient);
    await warmUp(client);
    deadline = Date.now() + DEADLINE_MS;
    const { error } = await settle<PingResponse>((cb) => client.ping(EMPTY, new Metadata(), { deadline }, cb));
    const handler = await view;
    await server.settled();
    return {
      code: error?.code,
      deadlineSeen: (handler?.deadlineOffByMs ?? Infinity) < 1_000,
      cancelledFlag: handler?.cancelledFlag,
      recorded: server.calls.at(-1)?.status?.code,
    };
  },
  (observed) =>
    expect(observed).toEqual({
      code: status.DEADLINE_EXCEEDED,
      deadlineSeen: true,
      cancelledFlag: true,
      recorded: status.DEADLINE_EXCEEDED,
    }),
);

parity(
  "a deadline cuts a server stream after the messages already sent",
  async (mode) => {
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping: (_call, callback) => callback(null, { ...WARM_UP, serverVersion: "" }),
          streamNumbers(call) {
            for (const value of [1n, 2n, 3n]) call.write({ value });
            // ...and never ends.
          },
        }),
      ],
    });
    const client = server.client(DiagnosticsClient);
    await warmUp(client);
    const stream = client.streamNumbers({ count: 9, intervalMs: 0 }, { deadline: Date.now() + DEADLINE_MS });
    const { messages, error } = await drain<StreamNumbersResponse>(stream);
    return { values: messages.map((m) => m.value), code: error?.code };
  },
  (observed) => expect(observed).toEqual({ values: [1n, 2n, 3n], code: status.DEADLINE_EXCEEDED }),
);

parity(
  "without a deadline the handler sees Infinity",
  async (mode) => {
    let deadline: unknown;
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call, callback) {
            deadline = call.getDeadline();
            callback(null, { ...EMPTY, serverVersion: "" });
          },
        }),
      ],
    });
    await settle<PingResponse>((cb) => server.client(DiagnosticsClient).ping(EMPTY, cb));
    return deadline;
  },
  (deadline) => expect(deadline).toBe(Infinity),
);

parity(
  "a client cancel reaches a running unary handler; the client sees CANCELLED",
  async (mode) => {
    const started = deferred();
    const cancelled = deferred<boolean>();
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call) {
            call.on("cancelled", () => cancelled.resolve(call.cancelled));
            started.resolve();
          },
        }),
      ],
    });
    const result = settle<PingResponse>((cb) => {
      const call = server.client(DiagnosticsClient).ping(EMPTY, cb);
      void started.promise.then(() => call.cancel());
    });
    const { error } = await result;
    const flag = await cancelled.promise;
    await server.settled();
    return { error, flag, recorded: server.calls[0]?.status?.code };
  },
  ({ error, flag, recorded }) => {
    expect(error).toMatchObject({ code: status.CANCELLED, details: "Cancelled on client" });
    expect(flag).toBe(true);
    expect(recorded).toBe(status.CANCELLED);
  },
);

parity(
  "a client cancel stops a server stream; the handler's writes after it are harmless",
  async (mode) => {
    const stopped = deferred<number>();
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          streamNumbers(call) {
            let value = 0;
            const timer = setInterval(() => {
              if (call.cancelled) {
                clearInterval(timer);
                call.write({ value: 999n }); // after cancel: must not throw or arrive
                stopped.resolve(value);
                return;
              }
              call.write({ value: BigInt(++value) });
            }, 1);
          },
        }),
      ],
    });
    const stream = server.client(DiagnosticsClient).streamNumbers({ count: 0, intervalMs: 0 });
    stream.once("data", () => stream.cancel());
    const { messages, error } = await drain<StreamNumbersResponse>(stream);
    const written = await stopped.promise;
    await server.settled();
    return {
      code: error?.code,
      noLateMessage: messages.every((m) => m.value !== 999n),
      stoppedAfterCancel: written >= 1,
      recorded: server.calls[0]?.status?.code,
    };
  },
  (observed) =>
    expect(observed).toEqual({
      code: status.CANCELLED,
      noLateMessage: true,
      stoppedAfterCancel: true,
      recorded: status.CANCELLED,
    }),
);

parity(
  "a client cancel of a bidi stream reaches the handler",
  async (mode) => {
    const cancelled = deferred<boolean>();
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          chat(call) {
            call.on("cancelled", () => cancelled.resolve(call.cancelled));
            call.on("error", () => undefined);
            call.on("data", (request: { text: string }) => call.write({ text: request.text, sequence: 1n }));
          },
        }),
      ],
    });
    const chat = server.client(DiagnosticsClient).chat();
    chat.once("data", () => chat.cancel());
    const done = drain(chat);
    chat.write({ text: "hi" });
    const { error } = await done;
    return { code: error?.code, flag: await cancelled.promise };
  },
  (observed) => expect(observed).toEqual({ code: status.CANCELLED, flag: true }),
);

parity(
  "close() waits for a running call to finish before it resolves, then closes the clients",
  async (mode) => {
    const events: string[] = [];
    const started = deferred();
    const release = deferred();
    const server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call, callback) {
            started.resolve();
            void release.promise.then(() => {
              events.push("handler answers");
              callback(null, { ...EMPTY, message: call.request.message, serverVersion: "" });
            });
          },
        }),
      ],
    });
    const client = server.client(DiagnosticsClient);
    const answer = settle<PingResponse>((cb) => client.ping({ ...EMPTY, message: "in flight" }, cb)).then((r) => {
      events.push(`client got ${r.response?.message ?? r.error?.code}`);
    });
    await started.promise;
    const closed = server.close().then(() => events.push("closed"));
    await new Promise((resolve) => setImmediate(resolve));
    events.push("released");
    release.resolve();
    await Promise.all([answer, closed]);
    let afterClose = "";
    try {
      client.ping(EMPTY, () => undefined);
    } catch (error) {
      afterClose = (error as Error).message;
    }
    return { events, afterClose };
  },
  ({ events, afterClose }) => {
    expect(events[0]).toBe("released");
    expect(events).toContain("client got in flight");
    expect(events.at(-1)).toBe("closed");
    expect(afterClose).toMatch(/shut down/);
  },
);
