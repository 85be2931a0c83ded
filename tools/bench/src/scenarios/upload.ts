import { copyFile, mkdir, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { credentials, Metadata } from "@grpc/grpc-js";
import { FilesClient } from "@inferd/grpc-types/v1";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { pairedFigure } from "../figures";
import { writeFileOfSize } from "../fixtures/files";
import { uploadFile, unary } from "../grpc-calls";
import { timed } from "../load";
import { interleave } from "../rounds";

const TOKEN = "bench-token-upload-0123456789";
const MB = 1_000_000;
/** RSS is sampled this often during an upload. */
const RSS_SAMPLE_MS = 10;

interface CopyRound {
  /** fs.copyFile alone: into the page cache, not yet on disk. MB/s. */
  readonly cachedMbPerSecond: number;
  /** fs.copyFile then fsync of the copy: on disk, as durable as a published upload. MB/s. */
  readonly durableMbPerSecond: number;
}

interface UploadRound {
  readonly mbPerSecond: number;
  /** Server RSS before the transfer and its peak during it, in MB. */
  readonly rssBeforeMb: number;
  readonly rssPeakMb: number;
}

/**
 * upload: a file (1 GiB by default) through Files.Upload vs fs.copyFile of the same file on
 * the same disk; and the server's peak RSS while it receives it, against its RSS before.
 */
export const uploadScenario: Scenario = {
  name: "upload",
  summary: "a 1 GiB file (--upload-size) through Files.Upload vs fs.copyFile; server peak RSS",
  async run(context) {
    const size = context.uploadBytes;
    const source = join(context.workDir, "source.bin");
    context.progress(`upload: writing a ${(size / MB).toFixed(0)} MB source file`);
    await writeFileOfSize(source, size);
    const copies = join(context.workDir, "copies");
    await mkdir(copies);
    const noModels = join(context.workDir, "no-models");
    await mkdir(noModels);
    const inferd = await startInferd({ workDir: context.workDir, token: TOKEN, metrics: true, modelsDir: noModels });
    const client = new FilesClient(inferd.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${TOKEN}`);
    let round = 0;

    const copy = async (): Promise<CopyRound> => {
      const cached = join(copies, `cached-${round}.bin`);
      const cachedMs = await timed(() => copyFile(source, cached));
      await rm(cached);
      const durable = join(copies, `durable-${round}.bin`);
      const durableMs = await timed(async () => {
        await copyFile(source, durable);
        const handle = await open(durable, "r+");
        await handle.sync();
        await handle.close();
      });
      await rm(durable);
      return { cachedMbPerSecond: size / MB / (cachedMs / 1000), durableMbPerSecond: size / MB / (durableMs / 1000) };
    };
    const upload = async (): Promise<UploadRound> => {
      const path = `bench/upload-${round++}.bin`;
      const rssBefore = (await inferd.process.usage()).rssBytes;
      await inferd.process.startPeakRss(RSS_SAMPLE_MS);
      const ms = await timed(async () => {
        const reply = await uploadFile(client, metadata, source, "bench", path, size);
        if (!reply.complete || reply.storedBytes !== BigInt(size)) throw new Error(`upload stored ${reply.storedBytes} of ${size} bytes`);
      });
      const peak = await inferd.process.stopPeakRss();
      await unary(client.deleteFile.bind(client), { uri: `inferd://bench/${path}` }, metadata);
      return { mbPerSecond: size / MB / (ms / 1000), rssBeforeMb: rssBefore / MB, rssPeakMb: peak / MB };
    };

    try {
      context.progress(`upload: ${context.rounds} rounds`);
      const rounds = await interleave(context.rounds, copy, upload, {
        // A full-size warm-up would double the run; a small file warms the code paths.
        baseline: async () => undefined,
        subject: async () => undefined,
      });
      return {
        title: `upload — ${(size / MB).toFixed(0)} MB through Files.Upload vs fs.copyFile`,
        baselineLabel: "copy / idle RSS",
        figures: [
          pairedFigure(
            "upload",
            "throughput_vs_durable_copy",
            "MB/s",
            rounds.map((r) => ({ baseline: r.baseline.durableMbPerSecond, subject: r.subject.mbPerSecond })),
            { on: "ratio", op: ">=", value: 0.5 },
          ),
          pairedFigure(
            "upload",
            "throughput_vs_cached_copy",
            "MB/s",
            rounds.map((r) => ({ baseline: r.baseline.cachedMbPerSecond, subject: r.subject.mbPerSecond })),
          ),
          pairedFigure(
            "upload",
            "server_peak_rss",
            "MB",
            rounds.map((r) => ({ baseline: r.subject.rssBeforeMb, subject: r.subject.rssPeakMb })),
            { on: "subject", op: "<=", value: 150 },
          ),
        ],
      };
    } finally {
      client.close();
      await inferd.process.stop();
    }
  },
};
