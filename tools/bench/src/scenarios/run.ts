import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { FilesClient, InferenceClient, JobStage, type InferResponse, type JobUpdate } from "@inferd/grpc-types/v1";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { pairedFigure } from "../figures";
import { DEFAULT_MODEL } from "../fixtures/default-model";
import { textJpeg } from "../fixtures/images";
import { uploadBuffer } from "../grpc-calls";
import { timed } from "../load";
import { interleave } from "../rounds";
import { authMetadata, INFER_TOKEN } from "./infer-shared";

const PROJECT = "bench";

/** Runs a job to its end; rejects unless it ends DONE with every image succeeded. */
function runJob(client: InferenceClient, uris: readonly string[]): Promise<JobUpdate> {
  return new Promise((resolve, reject) => {
    let last: JobUpdate | undefined;
    const stream = client.run({ project: PROJECT, model: DEFAULT_MODEL, version: "", imageUris: [...uris], parameters: undefined }, authMetadata());
    stream.on("data", (response: { update?: JobUpdate }) => {
      if (response.update) last = response.update;
    });
    stream.on("error", reject);
    stream.on("end", () => {
      const succeeded = last?.summary?.imagesSucceeded ?? 0;
      if (last?.stage !== JobStage.DONE || succeeded !== uris.length) {
        reject(new Error(`job ended in stage ${String(last?.stage)} with ${succeeded}/${uris.length} images: ${last?.message ?? ""}`));
      } else resolve(last);
    });
  });
}

function inferUri(client: InferenceClient, uri: string): Promise<InferResponse> {
  return new Promise((resolve, reject) => {
    client.infer({ model: DEFAULT_MODEL, version: "", image: { $case: "imageUri", value: uri }, parameters: undefined }, authMetadata(), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/**
 * run: a Run job over N stored images (100 by default) vs N sequential Infer calls on the
 * same stored images, both with the bundled PP-OCRv4 model. The job also writes each
 * image's result into the project; that is part of what a job is for.
 */
export const runScenario: Scenario = {
  name: "run",
  summary: "a Run job over 100 stored images (--run-images) vs 100 sequential Infer calls on them",
  async run(context) {
    const inferd = await startInferd({ workDir: join(context.workDir), token: INFER_TOKEN, metrics: true });
    const files = new FilesClient(inferd.address, credentials.createInsecure());
    const inference = new InferenceClient(inferd.address, credentials.createInsecure());
    try {
      context.progress(`run: uploading ${context.runImages} images`);
      const uris: string[] = [];
      for (let i = 0; i < context.runImages; i++) {
        const reply = await uploadBuffer(files, authMetadata(), await textJpeg(640, 640, i), PROJECT, `images/${i}.jpg`);
        uris.push(reply.uri);
      }
      context.progress(`run: ${context.rounds} rounds`);
      const sequential = (): Promise<number> =>
        timed(async () => {
          for (const uri of uris) await inferUri(inference, uri);
        });
      const job = (): Promise<number> => timed(() => runJob(inference, uris));
      // Warm up with one image each: a whole extra job would double the scenario's time.
      const rounds = await interleave(context.rounds, sequential, job, {
        baseline: () => inferUri(inference, uris[0]!),
        subject: () => runJob(inference, uris.slice(0, 1)),
      });
      return {
        title: `run — a ${uris.length}-image Run job vs ${uris.length} sequential Infer calls (PP-OCRv4)`,
        baselineLabel: "sequential Infer",
        figures: [
          pairedFigure(
            "run",
            "total_time",
            "ms",
            rounds.map((r) => ({ baseline: r.baseline, subject: r.subject })),
            { on: "ratio", op: "<=", value: 1.05 },
          ),
          pairedFigure(
            "run",
            "per_image",
            "ms",
            rounds.map((r) => ({ baseline: r.baseline / uris.length, subject: r.subject / uris.length })),
          ),
        ],
      };
    } finally {
      files.close();
      inference.close();
      await inferd.process.stop();
    }
  },
};
