import type { ClientReadableStream } from "@grpc/grpc-js";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import type { Connection } from "./connection";
import { toClientError, type InferdClientError } from "./errors";

/**
 * The updates of a running job (from Run or WatchJob), as an async iterable. The job id is
 * known from the first update (whether or not anyone iterates); detaching stops listening
 * while the job goes on on the server (re-attach with watchJob).
 */
export interface JobStream extends AsyncIterable<JobUpdate> {
  /** Resolves with the job id once the first update arrives. */
  readonly jobId: Promise<string>;
  /** Stops listening; iteration ends without error. The job itself goes on. */
  detach(): void;
}

/** Whether a stage ends a job. */
export function isFinalStage(stage: JobStage): boolean {
  return stage === JobStage.DONE || stage === JobStage.FAILED || stage === JobStage.CANCELLED;
}

/**
 * Wraps a Run or WatchJob call (whose messages each carry an `update`) as a JobStream.
 * Updates are read as they arrive and queued for the iterator: they are small and few, and
 * reading eagerly is what lets `jobId` resolve without iterating.
 */
export function createJobStream(connection: Connection, call: ClientReadableStream<{ update?: JobUpdate | undefined }>): JobStream {
  const queue: JobUpdate[] = [];
  let ended = false;
  let failure: InferdClientError | undefined;
  let detached = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };

  let resolveId!: (id: string) => void;
  let rejectId!: (error: unknown) => void;
  const jobId = new Promise<string>((resolve, reject) => {
    resolveId = resolve;
    rejectId = reject;
  });
  jobId.catch(() => undefined); // callers that only iterate need not observe it

  call.on("data", (message: { update?: JobUpdate }) => {
    if (message.update === undefined || detached) return;
    resolveId(message.update.jobId);
    queue.push(message.update);
    notify();
  });
  call.on("error", (error: unknown) => {
    if (!detached) failure = toClientError(error, connection.address);
    rejectId(failure ?? toClientError(error, connection.address));
    ended = true;
    notify();
  });
  call.on("end", () => {
    rejectId(toClientError(new Error("the job stream ended before its first update"), connection.address));
    ended = true;
    notify();
  });

  async function* updates(): AsyncGenerator<JobUpdate> {
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (detached) return;
        if (ended) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      call.cancel();
    }
  }
  const iterator = updates();
  return {
    jobId,
    detach() {
      detached = true;
      queue.length = 0;
      rejectId(toClientError(new Error("detached before the first update"), connection.address));
      call.cancel();
      notify();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
}
