/**
 * Job persistence: one append-only JSON-lines file per job under `<data-dir>/jobs/`.
 *
 * Why a journal and not SQLite: Node 20 has no node:sqlite, and better-sqlite3 has to compile
 * from source on our machines (slow, and a native build in every install). A job's history is
 * naturally append-only (created, each image finished, ended), each append is one small write
 * plus fdatasync, a crash can at worst tear the last line (detected and ignored on replay),
 * and one file per job means no compaction: removing a job (job retention) is removing its file. Replay reads
 * every file once at start-up; that is the only time files are read.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { TaskParameters } from "../tasks/types";

/** What a job was asked to do; fixed when it is created. */
export interface JobSpec {
  readonly id: string;
  readonly project: string;
  readonly model: string;
  /** The version resolved at submission, so a resumed job runs the same model. */
  readonly version: string;
  readonly imageUris: readonly string[];
  readonly parameters: TaskParameters;
  /** ISO time. */
  readonly createdAt: string;
}

/** How one image of a job ended. */
export type ImageOutcome =
  | { readonly ok: true; readonly resultUri: string; readonly maskUri: string; readonly resultCount: number }
  | { readonly ok: false; readonly error: string };

/** Terminal job stages. */
export type EndStage = "done" | "failed" | "cancelled";

/** One line of a job's journal. */
export type JournalEntry =
  | { readonly type: "created"; readonly spec: JobSpec }
  | { readonly type: "started"; readonly at: string }
  | { readonly type: "image"; readonly index: number; readonly outcome: ImageOutcome }
  /** CancelJob was asked while a worker had the job: a restart must not resume it. */
  | { readonly type: "cancel"; readonly at: string }
  | { readonly type: "ended"; readonly stage: EndStage; readonly message: string; readonly at: string };

/** A job rebuilt from its journal. */
export interface ReplayedJob {
  readonly spec: JobSpec;
  /** First start (ISO time), if it ever started. */
  readonly startedAt: string | undefined;
  readonly images: ReadonlyMap<number, ImageOutcome>;
  /** True when CancelJob was asked before the job ended. */
  readonly cancelRequested: boolean;
  readonly ended: { readonly stage: EndStage; readonly message: string; readonly at: string } | undefined;
}

/** The journal of every job. */
export interface JobJournal {
  /** A new random job id. */
  newId(): string;
  /** Appends one entry to a job's file and waits until it is on disk. */
  append(jobId: string, entry: JournalEntry): Promise<void>;
  /** Reads every job back; torn or unreadable lines are skipped. */
  replay(): Promise<ReplayedJob[]>;
  /** Deletes a job's file (job retention); a missing file is not an error. */
  remove(jobId: string): Promise<void>;
}

const ID_PATTERN = /^[0-9a-f-]{36}$/;

function replayLines(text: string): ReplayedJob | undefined {
  let spec: JobSpec | undefined;
  let startedAt: string | undefined;
  let ended: ReplayedJob["ended"];
  let cancelRequested = false;
  const images = new Map<number, ImageOutcome>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      continue; // a line torn by a crash: the work it recorded is redone
    }
    if (entry.type === "created") spec = entry.spec;
    else if (entry.type === "started") startedAt ??= entry.at;
    else if (entry.type === "image") images.set(entry.index, entry.outcome);
    else if (entry.type === "cancel") cancelRequested = true;
    else if (entry.type === "ended") ended = { stage: entry.stage, message: entry.message, at: entry.at };
  }
  return spec ? { spec, startedAt, images, cancelRequested, ended } : undefined;
}

/** The journal in `dir` (created on first replay or append). */
export function createJobJournal(dir: string): JobJournal {
  const fileOf = (jobId: string): string => {
    if (!ID_PATTERN.test(jobId)) throw new Error(`not a job id: ${jobId}`);
    return join(dir, `${jobId}.jsonl`);
  };
  // Files whose last line was torn by a crash: the next append starts on a fresh line.
  const torn = new Set<string>();
  return {
    newId: () => randomUUID(),
    async append(jobId, entry) {
      await mkdir(dir, { recursive: true });
      const handle = await open(fileOf(jobId), "a");
      try {
        const prefix = torn.delete(jobId) ? "\n" : "";
        await handle.write(`${prefix}${JSON.stringify(entry)}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    async replay() {
      await mkdir(dir, { recursive: true });
      const jobs: ReplayedJob[] = [];
      for (const name of await readdir(dir)) {
        if (!name.endsWith(".jsonl") || !ID_PATTERN.test(name.slice(0, -6))) continue;
        const text = await readFile(join(dir, name), "utf8").catch(() => "");
        if (text.length > 0 && !text.endsWith("\n")) torn.add(name.slice(0, -6));
        const job = replayLines(text);
        if (job) jobs.push(job);
      }
      return jobs.sort((a, b) => a.spec.createdAt.localeCompare(b.spec.createdAt));
    },
    async remove(jobId) {
      torn.delete(jobId);
      await rm(fileOf(jobId), { force: true });
    },
  };
}
