import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { DiagnosticsClient, FilesClient, InferenceClient } from "@inferd/grpc-types/v1";
import { startBinary, type RunningBinary } from "../binary";
import { createRawClient } from "../reliability/raw-client";
import { waitServing } from "../reliability/suite-server";

/** One inferd binary of a scale-out test, with typed clients dialling it directly. */
export interface Replica {
  readonly name: string;
  readonly binary: RunningBinary;
  readonly address: string;
  readonly files: FilesClient;
  readonly inference: InferenceClient;
  readonly diagnostics: DiagnosticsClient;
  /** SIGKILL, waited for. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), waited for. */
  stop(): Promise<void>;
  closeClients(): void;
}

/** Where the replicas of one test live: one shared files folder, one model repository. */
export interface ReplicaSet {
  readonly root: string;
  readonly sharedFiles: string;
  readonly models: string;
}

/**
 * Starts the real `inferd` binary as replica `name`: its own data dir under `set.root`, the
 * set's shared files folder and models; resolves once it reports SERVING.
 */
export async function startReplica(set: ReplicaSet, name: string, extraFlags: readonly string[] = []): Promise<Replica> {
  const binary = await startBinary([
    "--port", "0",
    "--data-dir", join(set.root, `data-${name}`),
    "--shared-files-dir", set.sharedFiles,
    "--models-dir", set.models,
    "--log-level", "silent",
    "--model-threads", "1",
    "--job-workers", "1",
    ...extraFlags,
  ]);
  const raw = createRawClient(binary.address);
  try {
    await waitServing(raw);
  } finally {
    raw.close();
  }
  const insecure = credentials.createInsecure();
  const files = new FilesClient(binary.address, insecure);
  const inference = new InferenceClient(binary.address, insecure);
  const diagnostics = new DiagnosticsClient(binary.address, insecure);
  const closeClients = (): void => {
    files.close();
    inference.close();
    diagnostics.close();
  };
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    closeClients();
    if (binary.child.exitCode === null && binary.child.signalCode === null) binary.child.kill(signal);
    await binary.exited;
  };
  return { name, binary, address: binary.address, files, inference, diagnostics, kill: () => end("SIGKILL"), stop: () => end("SIGTERM"), closeClients };
}
