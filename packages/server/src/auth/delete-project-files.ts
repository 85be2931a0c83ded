import type { FileStore } from "../files/file-store";

/** Deletes every published file of `project` (an ended studio session's data); returns how many. */
export async function deleteProjectFiles(store: FileStore, project: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await store.list(project, "", 100, "");
    if (page.files.length === 0) return deleted;
    for (const file of page.files) {
      if ((await store.delete(project, file.path)).deleted) deleted += 1;
    }
  }
}
