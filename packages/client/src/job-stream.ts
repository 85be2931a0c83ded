import type { ClientReadableStream } from "@grpc/grpc-js";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import type { Connection } from "./connection";
import { toClientError } from "./errors";

/**
 * The updates of a running job (from Run or WatchJob), as an async iterable. The job id is
 * known from the first update; detaching stops listening while the job goes on on the
 * server (re-attach with watchJob).
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

/** Wraps a Run or WatchJob call (whose messages each carry an `update`) as a JobStream. */
export function createJobStream(connection: Connection, call: ClientReadableStream<{ update?: JobUpdate | undefined }>): JobStream {
  let detached = false;
  let resolveId!: (id: string) => void;
  let rejectId!: (error: unknown) => void;
  const jobId = new Promise<string>((resolve, reject) => {
    resolveId = resolve;
    rejectId = reject;
  });
  // Callers that only iterate need not observe jobId.
  jobId.catch(() => undefined);

  async function* updates(): AsyncGenerator<JobUpdate> {
    try {
      for await (const message of call as AsyncIterable<{ update?: JobUpdate }>) {
        if (message.update === undefined) continue;
        resolveId(message.update.jobId);
        yield message.update;
      }
      rejectId(toClientError(new Error("the job stream ended before its first update"), connection.address));
    } catch (error) {
      if (detached) return;
      const mapped = toClientError(error, connection.address);
      rejectId(mapped);
      throw mapped;
    } finally {
      call.cancel();
    }
  }
  const iterator = updates();
  return {
    jobId,
    detach() {
      detached = true;
      rejectId(toClientError(new Error("detached before the first update"), connection.address));
      call.cancel();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
}
