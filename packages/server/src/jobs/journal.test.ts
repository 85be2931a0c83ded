import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createTempDir } from "../__tests__/files-fixture";
import { createJobJournal, type JobSpec } from "./journal";

const spec = (id: string): JobSpec => ({
  id,
  project: "p",
  model: "m",
  version: "1",
  imageUris: ["inferd://p/a.png", "inferd://p/b.png"],
  parameters: { confidenceThreshold: 0.5, iouThreshold: 0.5, maxResults: 0, returnMask: false },
  createdAt: new Date().toISOString(),
});

test("replay rebuilds jobs; a line torn by a crash is skipped and the next append starts a fresh line", async () => {
  const temp = await createTempDir("journal");
  try {
    const journal = createJobJournal(temp.dir);
    const id = journal.newId();
    await journal.append(id, { type: "created", spec: spec(id) });
    await journal.append(id, { type: "started", at: "2026-01-01T00:00:00.000Z" });
    await journal.append(id, { type: "image", index: 0, outcome: { ok: true, resultUri: "inferd://p/r.json", maskUri: "", resultCount: 2 } });
    await appendFile(join(temp.dir, `${id}.jsonl`), '{"type":"image","index":1,"outc'); // the crash

    const reopened = createJobJournal(temp.dir);
    const [job] = await reopened.replay();
    expect(job?.spec.id).toBe(id);
    expect([...(job?.images.keys() ?? [])]).toEqual([0]);
    expect(job?.ended).toBeUndefined();

    await reopened.append(id, { type: "image", index: 1, outcome: { ok: false, error: "bad image" } });
    await reopened.append(id, { type: "ended", stage: "done", message: "", at: "2026-01-01T00:00:01.000Z" });
    const [again] = await createJobJournal(temp.dir).replay();
    expect(again?.images.get(1)).toEqual({ ok: false, error: "bad image" });
    expect(again?.ended?.stage).toBe("done");
    expect((await readFile(join(temp.dir, `${id}.jsonl`), "utf8")).endsWith("\n")).toBe(true);
  } finally {
    await temp.cleanup();
  }
});
