import { invalidArgument } from "../errors";
import type { Job } from "./job";

/** Most jobs in one ListJobs page; 0 asks for {@link DEFAULT_JOB_PAGE_SIZE}. */
export const MAX_JOB_PAGE_SIZE = 1000;
/** ListJobs page size when the request gives 0. */
export const DEFAULT_JOB_PAGE_SIZE = 100;

/** Jobs order by creation time, then id (ids are random, so ties are broken stably). */
export interface Key {
  readonly createdAt: string;
  readonly id: string;
}

const keyOf = (job: Job): Key => ({ createdAt: job.spec.createdAt, id: job.spec.id });

function compare(a: Key, b: Key): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** First index of `sorted` whose key is >= `key`. */
function lowerBound(sorted: readonly Job[], key: Key): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compare(keyOf(sorted[mid] as Job), key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export function encodeToken(key: Key): string {
  return Buffer.from(JSON.stringify([key.createdAt, key.id]), "utf8").toString("base64url");
}

export function decodeToken(token: string): Key {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // reported below
  }
  throw invalidArgument("page_token is not a token this server issued; pass next_page_token from the previous ListJobs page, or empty");
}

/** One page of a project's jobs, newest first. */
export interface JobPage {
  readonly jobs: readonly Job[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

/**
 * Each project's jobs in creation order, for ListJobs. A page token is the position (creation
 * time and id) of the last job returned, not an offset: jobs created or dropped between two
 * pages neither repeat nor skip the others, and a page costs O(log n + page size).
 */
export class JobIndex {
  private readonly byProject = new Map<string, Job[]>();

  add(job: Job): void {
    const list = this.byProject.get(job.spec.project) ?? [];
    this.byProject.set(job.spec.project, list);
    const at = lowerBound(list, keyOf(job));
    // Jobs almost always arrive in creation order: appending is the common case.
    if (at === list.length) list.push(job);
    else list.splice(at, 0, job);
  }

  remove(job: Job): void {
    const list = this.byProject.get(job.spec.project);
    if (!list) return;
    const at = lowerBound(list, keyOf(job));
    if (list[at] === job) list.splice(at, 1);
    if (list.length === 0) this.byProject.delete(job.spec.project);
  }

  /** A page of `project`'s jobs, newest first; throws INVALID_ARGUMENT for a bad size or token. */
  page(project: string, pageSize: number, pageToken: string): JobPage {
    if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_JOB_PAGE_SIZE) {
      throw invalidArgument(`page_size is ${pageSize}; give 1 to ${MAX_JOB_PAGE_SIZE}, or 0 for ${DEFAULT_JOB_PAGE_SIZE}`);
    }
    const size = pageSize === 0 ? DEFAULT_JOB_PAGE_SIZE : pageSize;
    const list = this.byProject.get(project) ?? [];
    // Jobs strictly older than the cursor are list[0 .. start]; walk them newest first.
    let next = pageToken === "" ? list.length - 1 : lowerBound(list, decodeToken(pageToken)) - 1;
    const jobs: Job[] = [];
    for (; next >= 0 && jobs.length < size; next--) jobs.push(list[next] as Job);
    const last = jobs.at(-1);
    return { jobs, nextPageToken: next >= 0 && last ? encodeToken(keyOf(last)) : "" };
  }
}
