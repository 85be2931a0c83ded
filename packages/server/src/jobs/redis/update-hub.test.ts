import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import { createUpdateHub } from "./update-hub";
import type { StoredUpdate } from "./redis-keys";

const at = (seq: number, stage: JobStage = JobStage.INFER, jobId = "j"): StoredUpdate => ({
  seq,
  update: { jobId, stage, progress: seq, message: "", imageUri: "", imageIndex: 0, resultUri: "", maskUri: "", imageError: "", resultCount: 0 },
});

test("updates published while the current state is read are delivered after it, by seq, none twice", async () => {
  let release!: (stored: StoredUpdate) => void;
  const hub = createUpdateHub(() => new Promise((resolve) => (release = resolve)));
  const seen: JobUpdate[] = [];
  const subscribed = hub.subscribe("j", (update) => seen.push(update));
  // Published while the read is in flight: 4 is older than the state read (5), 6 is newer.
  hub.receive(at(4));
  hub.receive(at(6));
  release(at(5));
  await subscribed;
  hub.receive(at(6)); // a repeat (e.g. after a resync) is dropped
  hub.receive(at(7, JobStage.DONE));
  hub.receive(at(8)); // nothing after the end
  expect(seen.map((u) => u.progress)).toEqual([5, 6, 7]);
});

test("an unknown job is NOT_FOUND and leaves no watcher behind; resync delivers only newer state", async () => {
  let current: StoredUpdate | undefined;
  const hub = createUpdateHub(async () => current);
  await expect(hub.subscribe("j", () => undefined)).rejects.toMatchObject({ kind: "not-found" });
  current = at(1);
  const seen: number[] = [];
  const detach = await hub.subscribe("j", (update) => seen.push(update.progress));
  current = at(3); // updates 2 and 3 were published while the subscriber was disconnected
  await hub.resync();
  await hub.resync();
  hub.receive(at(2));
  detach();
  hub.receive(at(4));
  expect(seen).toEqual([1, 3]);
});
