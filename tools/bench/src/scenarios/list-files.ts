import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials, Metadata } from "@grpc/grpc-js";
import { FilesClient, type ListFilesRequest, type ListFilesResponse } from "@inferd/grpc-types/v1";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { pairedFigure } from "../figures";
import { unary } from "../grpc-calls";
import { interleave } from "../rounds";
import { median } from "../stats";

const TOKEN = "bench-token-list-files-0123456789";
const PAGE_SIZE = 100;
const SMALL_FILES = 100;
const FILES_PER_FOLDER = 1000;

/**
 * Writes `count` small published files of `project` straight into the data dir (the layout
 * of packages/server/src/files/disk-layout.ts): uploading 100,000 files through gRPC would
 * take minutes and measure Upload, not ListFiles. The server learns of them at its first
 * ListFiles, as it would after a restart.
 */
function populate(dataDir: string, project: string, count: number): void {
  const data = join(dataDir, "files", project, "data");
  for (let i = 0; i < count; i++) {
    const folder = join(data, `d${String(Math.floor(i / FILES_PER_FOLDER)).padStart(3, "0")}`);
    if (i % FILES_PER_FOLDER === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${String(i).padStart(6, "0")}.bin`), `file ${i}\n`);
  }
}

/**
 * list-files: the latency of one 100-entry ListFiles page of a large project (100,000 files;
 * 2,000 in quick mode) vs one page of a 100-file project on the same server. A page's cost
 * must not grow with the project (ratio near 1); a server that walks the whole project for
 * every page makes paging quadratic and this ratio grows with the project.
 */
export const listFilesScenario: Scenario = {
  name: "list-files",
  summary: "a 100-entry ListFiles page of a 100,000-file project vs a page of a 100-file project",
  async run(context) {
    const largeFiles = context.quick ? 2_000 : 100_000;
    const callsPerRound = context.quick ? 3 : 20;
    context.progress(`list-files: writing ${largeFiles} files`);
    const workDir = context.workDir;
    populate(join(workDir, "inferd-data"), "small", SMALL_FILES);
    populate(join(workDir, "inferd-data"), "large", largeFiles);
    const noModels = join(workDir, "no-models");
    mkdirSync(noModels);
    const inferd = await startInferd({ workDir, token: TOKEN, metrics: false, modelsDir: noModels });
    const client = new FilesClient(inferd.address, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${TOKEN}`);
    const list = (request: ListFilesRequest): Promise<ListFilesResponse> => unary(client.listFiles.bind(client), request, metadata);
    try {
      // Warm-up: every listed file gets its checksum recorded once (both sides alike), and the
      // large project's page tokens of its first pages are kept to be fetched again.
      context.progress("list-files: warm-up");
      const tokens: string[] = [""];
      for (let page = 0; page < callsPerRound; page++) {
        const response = await list({ project: "large", prefix: "", pageSize: PAGE_SIZE, pageToken: tokens[page] ?? "" });
        if (response.files.length !== PAGE_SIZE) throw new Error(`page ${page} of "large" has ${response.files.length} files`);
        tokens.push(response.nextPageToken);
      }
      const small = await list({ project: "small", prefix: "", pageSize: PAGE_SIZE, pageToken: "" });
      if (small.files.length !== SMALL_FILES) throw new Error(`"small" lists ${small.files.length} files, not ${SMALL_FILES}`);
      const pageMs = async (project: string): Promise<number> => {
        const times: number[] = [];
        for (let call = 0; call < callsPerRound; call++) {
          const pageToken = project === "large" ? (tokens[call] ?? "") : "";
          const started = performance.now();
          const response = await list({ project, prefix: "", pageSize: PAGE_SIZE, pageToken });
          times.push(performance.now() - started);
          if (response.files.length !== PAGE_SIZE) throw new Error(`a page of "${project}" has ${response.files.length} files`);
        }
        return median(times);
      };
      context.progress(`list-files: ${context.rounds} rounds of ${callsPerRound} pages per side`);
      const rounds = await interleave(
        context.rounds,
        () => pageMs("small"),
        () => pageMs("large"),
      );
      return {
        title: `list-files — one ${PAGE_SIZE}-entry ListFiles page, ${largeFiles}-file project vs ${SMALL_FILES}-file project`,
        baselineLabel: `${SMALL_FILES}-file project`,
        figures: [pairedFigure("list-files", "page_latency_vs_small_project", "ms", rounds, { on: "ratio", op: "<=", value: 2 })],
      };
    } finally {
      client.close();
      await inferd.process.stop();
    }
  },
};
