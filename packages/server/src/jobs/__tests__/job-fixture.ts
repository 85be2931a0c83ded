import { join } from "node:path";
import { createTempDir } from "../../__tests__/files-fixture";
import type { FileStore } from "../../files/file-store";
import { createLocalFileStore } from "../../files/local-file-store";
import { createInferencePipeline } from "../../inference/pipeline";
import { renderSvg } from "../../inference/__tests__/images";
import { classifierModel, writeModel } from "../../models/__tests__/tiny-models";
import { createModelRepository, type ModelRepository } from "../../models/repository";
import { createJobManager, type JobManager, type JobManagerOptions } from "../job-manager";
import { createJobJournal, type JobJournal } from "../journal";

/** A real job manager (tiny classifier "colors", local files, journal on disk) for job tests. */
export interface JobFixture {
  readonly dir: string;
  readonly journalDir: string;
  readonly store: FileStore;
  readonly repository: ModelRepository;
  /** Holds job reads of `gate/...` images until released (one gate per fixture). */
  readonly gate: { release(): void };
  /** A started manager over this fixture's data (several may be made, e.g. to restart). */
  manager(options?: Partial<JobManagerOptions>): Promise<JobManager>;
  journal(): JobJournal;
  /** A 16x16 red PNG. */
  red(): Promise<Buffer>;
  close(): Promise<void>;
}

/** Creates a {@link JobFixture} in a fresh temp dir. */
export async function createJobFixture(): Promise<JobFixture> {
  const temp = await createTempDir("jobs");
  const modelsDir = join(temp.dir, "models");
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } }, classifierModel(32));
  const repository = createModelRepository({ dir: modelsDir, runtime: { intraOpThreads: 1 } });
  await repository.load();
  const inner = await createLocalFileStore({ root: join(temp.dir, "files"), quotaBytesPerProject: 0 });
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const store: FileStore = Object.create(inner) as FileStore;
  store.readFile = async (project, path) => {
    if (path.startsWith("gate/")) await opened;
    return inner.readFile(project, path);
  };
  const journalDir = join(temp.dir, "jobs");
  const managers: JobManager[] = [];
  const pipeline = createInferencePipeline();
  return {
    dir: temp.dir,
    journalDir,
    store,
    repository,
    gate: { release },
    journal: () => createJobJournal(journalDir),
    async manager(options = {}) {
      const manager = createJobManager({ store, repository, pipeline, journal: createJobJournal(journalDir), workers: 1, ...options });
      managers.push(manager);
      await manager.start();
      return manager;
    },
    red: () => renderSvg(16, 16, "", "#f00"),
    async close() {
      release();
      for (const manager of managers) await manager.stop();
      await repository.close();
      await inner.close();
      await temp.cleanup();
    },
  };
}
