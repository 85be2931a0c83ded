/**
 * A promise/async-iterable client of inferd.avro.Pipeline, the Avro-encoded job service:
 * submit a job (Init), follow or query it (Monitor), cancel it. Same connection options,
 * auth and error type as createInferdClient.
 */
import type { ClientReadableStream } from "@grpc/grpc-js";
import { PipelineClient as PipelineStub, type InferParameters, type JobStatus } from "@inferd/grpc-types/avro";
import { createConnection, type Connection, type InferdClientOptions } from "../connection";
import { toClientError } from "../errors";
import { callUnary } from "../unary";

/** A job to submit: the model over stored images of one project. */
export interface PipelineJob {
  readonly project: string;
  readonly model: string;
  /** Default: the newest ready version. */
  readonly version?: string;
  readonly imageUris: readonly string[];
  readonly parameters?: InferParameters;
}

/** The pipeline client; streams and promises fail with an InferdClientError carrying the gRPC code. */
export interface AvroPipelineClient {
  /**
   * Submits a job. With `persistence` (default true) the statuses follow until the job ends;
   * without, the only status is the first (PENDING, with the job id).
   */
  init(job: PipelineJob, options?: { persistence?: boolean }): AsyncIterable<JobStatus>;
  /** The job's current status; with `follow`, every update until it ends. */
  monitor(jobId: string, options?: { follow?: boolean }): AsyncIterable<JobStatus>;
  /** Cancels a job; resolves with the status it ended in. */
  cancel(jobId: string): Promise<JobStatus>;
  close(): void;
}

/** Reads a status stream, turning failures into InferdClientErrors; leaving early cancels the call. */
async function* statuses(connection: Connection, call: ClientReadableStream<JobStatus>): AsyncGenerator<JobStatus> {
  try {
    for await (const status of call) yield status as JobStatus;
  } catch (error) {
    throw toClientError(error, connection.address);
  } finally {
    call.cancel();
  }
}

/** Connects to the pipeline service of the inferd server at `options.address`. */
export function createPipelineClient(options: InferdClientOptions): AvroPipelineClient {
  const connection = createConnection(options);
  const stub = new PipelineStub(connection.address, connection.credentials, connection.clientOptions);
  return {
    init(job, { persistence = true } = {}) {
      const request = { ...job, imageUris: [...job.imageUris], version: job.version ?? "", persistence };
      return statuses(connection, stub.init(request, connection.metadata()));
    },
    monitor(jobId, { follow = false } = {}) {
      return statuses(connection, stub.monitor({ jobId, follow }, connection.metadata()));
    },
    cancel(jobId) {
      return callUnary(connection, stub.cancel.bind(stub), { jobId });
    },
    close() {
      stub.close();
      connection.close();
    },
  };
}
