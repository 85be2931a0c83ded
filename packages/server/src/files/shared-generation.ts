import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { ProjectGeneration } from "./file-index";

/** A {@link ProjectGeneration} that can also be changed: what a replica does after each change. */
export interface SharedGeneration extends ProjectGeneration {
  /** Writes a fresh token: every other process's index of the project is stale from now on. */
  bump(project: string): Promise<void>;
}

/**
 * The generation token of each project in one small file (`fileOf(project)`) of the shared
 * files folder. A token is a random UUID, never a counter: two replicas that change files at
 * once both write new tokens and a reader sees a change whichever write lands last (a counter
 * read-then-incremented by both would repeat a value and hide one change). Written by rename,
 * so a reader sees the old or the new token, never a torn one.
 */
export function createSharedGeneration(fileOf: (project: string) => string): SharedGeneration {
  return {
    async read(project) {
      try {
        return await readFile(fileOf(project), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
        throw error;
      }
    },
    async bump(project) {
      const file = fileOf(project);
      const temp = `${file}.${randomUUID()}.tmp`;
      await mkdir(dirname(file), { recursive: true });
      try {
        await writeFile(temp, randomUUID());
        await rename(temp, file);
      } catch (error) {
        await rm(temp, { force: true }).catch(() => undefined);
        throw error;
      }
    },
  };
}
