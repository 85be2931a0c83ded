import { Job } from "./job";
import { JobIndex, MAX_JOB_PAGE_SIZE } from "./job-index";

const job = (project: string, createdAt: string, id: string): Job =>
  new Job({ id, project, model: "m", version: "1", imageUris: ["inferd://p/a.png"], parameters: { confidenceThreshold: 0, iouThreshold: 0, maxResults: 0, returnMask: false }, createdAt });
const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const ids = (jobs: readonly Job[]): string[] => jobs.map((j) => j.spec.id);

test("pages are newest first, per project, and neither repeat nor skip jobs added or removed between pages", () => {
  const index = new JobIndex();
  const jobs = Array.from({ length: 6 }, (_, i) => job("p", at(i), `id-${i}`));
  // Out of order, and another project's job in between.
  for (const j of [jobs[3], jobs[0], jobs[5], jobs[1], jobs[4], jobs[2]]) index.add(j as Job);
  index.add(job("q", at(10), "other"));

  const first = index.page("p", 2, "");
  expect(ids(first.jobs)).toEqual(["id-5", "id-4"]);
  // Between pages: a newer job arrives and an older, not yet listed one is dropped.
  index.add(job("p", at(20), "id-new"));
  index.remove(jobs[2] as Job);
  const second = index.page("p", 2, first.nextPageToken);
  expect(ids(second.jobs)).toEqual(["id-3", "id-1"]);
  const third = index.page("p", 2, second.nextPageToken);
  expect(ids(third.jobs)).toEqual(["id-0"]);
  expect(third.nextPageToken).toBe("");
  expect(ids(index.page("q", 0, "").jobs)).toEqual(["other"]);
  expect(index.page("none", 0, "")).toEqual({ jobs: [], nextPageToken: "" });
});

test("jobs created in the same millisecond order by id; a page that ends exactly at the last job has no token", () => {
  const index = new JobIndex();
  for (const id of ["b", "a", "c"]) index.add(job("p", at(0), id));
  expect(ids(index.page("p", 0, "").jobs)).toEqual(["c", "b", "a"]);
  expect(index.page("p", 3, "").nextPageToken).toBe("");
});

test.each([
  ["a page size over the maximum", MAX_JOB_PAGE_SIZE + 1, ""],
  ["a token that is not base64 JSON", 0, "%%%"],
  ["a token of the wrong shape", 0, Buffer.from(JSON.stringify({ a: 1 })).toString("base64url")],
])("%s is INVALID_ARGUMENT", (_name, size, token) => {
  expect(() => new JobIndex().page("p", size, token)).toThrow(expect.objectContaining({ kind: "invalid-argument" }));
});
