import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { credentials, Metadata } from "@grpc/grpc-js";
import { DiagnosticsClient, InferenceClient, type InferResponse } from "@inferd/grpc-types/v1";
import type { RunnerReply } from "../child/pipeline-protocol";
import type { PipelineProcess } from "../child/pipeline-process";
import type { RunningInferd } from "../child/inferd-process";
import { loadServer, type ServerLoadResult } from "../measure";

/** The token every inference scenario's server requires. */
export const INFER_TOKEN = "bench-token-infer-0123456789";

/** Metadata carrying {@link INFER_TOKEN}. */
export function authMetadata(): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${INFER_TOKEN}`);
  return metadata;
}

/** An Inference client that sends images as bytes, in turn. */
export interface Inferrer {
  infer(): Promise<InferResponse>;
  close(): void;
}

/** Creates an {@link Inferrer} for a model and a set of encoded images. */
export function createInferrer(address: string, model: string, images: readonly Buffer[]): Inferrer {
  const client = new InferenceClient(address, credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * 1024 * 1024,
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
  const metadata = authMetadata();
  let next = 0;
  return {
    infer: () =>
      new Promise((resolve, reject) => {
        const image = images[next++ % images.length]!;
        client.infer({ model, version: "", image: { $case: "imageData", value: image }, parameters: undefined }, metadata, (error, response) =>
          error ? reject(error) : resolve(response),
        );
      }),
    close: () => client.close(),
  };
}

/** Writes images to files for the pipeline runner, which reads them itself. */
export async function writeImages(dir: string, images: readonly Buffer[], extension: string): Promise<string[]> {
  return Promise.all(
    images.map(async (image, i) => {
      const path = join(dir, `image-${i}.${extension}`);
      await writeFile(path, image);
      return path;
    }),
  );
}

/** Load options shared by both sides of an inference comparison. */
export interface InferLoad {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly minRequests: number;
}

/** One served measurement: closed-loop Infer calls against the server process. */
export function servedRound(inferd: RunningInferd, inferrer: Inferrer, load: InferLoad): Promise<ServerLoadResult> {
  return loadServer(inferd.process, load, () => inferrer.infer());
}

/** One in-process measurement: the same loop in the pipeline runner. */
export function inProcessRound(runner: PipelineProcess, model: string, imagePaths: readonly string[], load: InferLoad): Promise<RunnerReply> {
  return runner.run({ model, imagePaths, ...load });
}

/** Pings a bare grpc-js server with a payload of the image's size: gRPC's own round trip. */
export function bareTransport(address: string, payloadBytes: number): { ping(): Promise<unknown>; close(): void } {
  const client = new DiagnosticsClient(address, credentials.createInsecure());
  const metadata = authMetadata();
  const request = { message: "", payload: Buffer.alloc(payloadBytes, 1) };
  return {
    ping: () => new Promise((resolve, reject) => client.ping(request, metadata, (error, response) => (error ? reject(error) : resolve(response)))),
    close: () => client.close(),
  };
}
