import { createHash, randomUUID } from "node:crypto";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import type { JobStage } from "@inferd/grpc-types/v1";
import { InferdError, invalidArgument } from "../../errors";
import { silentLogger } from "../../logger";
import { isTerminal } from "../job";
import type { JobEngine, JobView } from "../job-engine";
import { DEFAULT_JOB_PAGE_SIZE, MAX_JOB_PAGE_SIZE, decodeToken, encodeToken } from "../job-index";
import { DEFAULT_JOB_RETENTION_MS, jobNotFound, type JobManagerOptions } from "../job-manager";
import type { JobSpec } from "../journal";
import { createRedisImageWorker } from "./redis-image-worker";
import {
  CHANNEL, IMAGE_QUEUE, OPEN_JOBS, imageJobId, imagesKey, indexMember, infoOf, jobKey, parseJob, parseUpdate, projectKey, resultUrisOf,
} from "./redis-keys";
import { CANCEL, SUBMIT } from "./scripts";
import { createUpdateHub } from "./update-hub";

/** Default BullMQ lock of an image being processed (--redis-lock-ms): a dead replica's images are taken over after about this long. */
export const DEFAULT_REDIS_LOCK_MS = 30_000;

/** Options of {@link createRedisJobEngine}. */
export interface RedisJobEngineOptions extends Omit<JobManagerOptions, "journal"> {
  readonly journal?: JobManagerOptions["journal"];
  readonly redis: {
    /** redis://[user:password@]host:port[/db] */
    readonly url: string;
    /** BullMQ lockDuration of an image in work, in ms; stalled images are retaken after it. Default 30 s. */
    readonly lockMs?: number;
  };
}

import type { ImageData } from "./redis-image-worker";

/** Runs a Lua script by its SHA, loading it first when Redis does not know it (e.g. after a restart). */
export type ScriptRunner = (lua: string, keys: readonly string[], args: readonly (string | number)[]) => Promise<unknown>;

function createScriptRunner(redis: Redis): ScriptRunner {
  const shas = new Map<string, string>();
  return async (lua, keys, args) => {
    let sha = shas.get(lua);
    if (!sha) {
      sha = createHash("sha1").update(lua).digest("hex");
      shas.set(lua, sha);
    }
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("NOSCRIPT")) throw error;
      return redis.eval(lua, keys.length, ...keys, ...args);
    }
  };
}

/**
 * The job engine of a scaled-out server (`--redis`): job state, progress and the project
 * index in Redis; each image of a job is one BullMQ job, so every replica's workers share a
 * job's images, and BullMQ's stalled-job recovery hands a dead replica's images to the
 * others. Updates are published on one channel and reach watchers on every replica, in the
 * order Redis recorded them (their `seq`).
 */
export function createRedisJobEngine(options: RedisJobEngineOptions): JobEngine {
  const logger = options.logger ?? silentLogger;
  const retentionMs = Math.max(0, options.retentionMs ?? DEFAULT_JOB_RETENTION_MS);
  const queueSize = Math.max(0, options.queueSize ?? 100);
  const lockMs = Math.max(500, options.redis.lockMs ?? DEFAULT_REDIS_LOCK_MS);
  // Commands wait for a reconnect instead of failing: Redis restarting is an outage, not an error.
  const redis = new Redis(options.redis.url, { maxRetriesPerRequest: null, lazyConnect: true });
  const sub = redis.duplicate();
  const runScript = createScriptRunner(redis);
  const hub = createUpdateHub(async (jobId) => {
    const json = await redis.hget(jobKey(jobId), "update");
    return json ? parseUpdate(json) : undefined;
  });
  let queue: Queue | undefined;
  let worker: Worker<ImageData> | undefined;
  let lastCreatedMs = 0;
  let stopping = false;
  let connected = false;
  const healthListeners = new Set<(name: string, status: "SERVING" | "NOT_SERVING") => void>();
  const setConnected = (up: boolean): void => {
    if (up === connected) return;
    connected = up;
    if (up) logger.info({ redis: redactUrl(options.redis.url) }, "redis connected: jobs are served");
    else if (!stopping) logger.warn({ redis: redactUrl(options.redis.url) }, "redis is unreachable: job calls wait for it, work resumes when it returns");
    for (const set of healthListeners) set("redis", up ? "SERVING" : "NOT_SERVING");
  };
  redis.on("ready", () => setConnected(true));
  redis.on("close", () => setConnected(false));
  redis.on("error", (error: Error) => logger.debug({ err: error }, "redis connection error"));
  sub.on("error", (error: Error) => logger.debug({ err: error }, "redis subscriber error"));
  sub.on("message", (_channel: string, message: string) => hub.receive(parseUpdate(message)));
  // Updates published while the subscriber was away are lost: once it is subscribed again
  // (the reply to this SUBSCRIBE comes after ioredis's own resubscription), catch up from the
  // stored state; the hub drops whatever it already delivered.
  let subscribedOnce = false;
  sub.on("ready", () => {
    if (!subscribedOnce) {
      subscribedOnce = true;
      return;
    }
    sub
      .subscribe(CHANNEL)
      .then(() => hub.resync())
      .catch((error: unknown) => logger.warn({ err: error }, "could not refresh watched jobs after a reconnect"));
  });

  async function stored(jobId: string): Promise<JobView | undefined> {
    const [hash, images] = await Promise.all([redis.hgetall(jobKey(jobId)), redis.hgetall(imagesKey(jobId))]);
    const job = parseJob(hash);
    if (!job) return undefined;
    return { spec: job.spec, current: job.current.update, startedAt: job.startedAt, endedAt: job.endedAt, resultUris: resultUrisOf(images) };
  }

  /** Resolves with the job's end stage, from the published updates. */
  async function ended(jobId: string): Promise<JobStage> {
    let detach: () => void = () => undefined;
    const stage = await new Promise<JobStage>((resolve, reject) => {
      hub
        .subscribe(jobId, (update) => {
          if (isTerminal(update.stage)) resolve(update.stage);
        })
        .then((off) => (detach = off), reject);
    });
    detach();
    return stage;
  }

  return {
    async start() {
      // Redis down at start-up is waited for (health stays NOT_SERVING), not a start-up failure.
      for (const client of [redis, sub]) client.connect().catch(() => undefined);
      await Promise.all([ready(redis), ready(sub)]);
      await sub.subscribe(CHANNEL);
      queue = new Queue(IMAGE_QUEUE, { connection: redis });
      queue.on("error", (error: Error) => logger.debug({ err: error }, "bullmq queue error"));
      worker = createRedisImageWorker({ ...options, logger, runScript, redis, retentionMs, lockMs, queueName: IMAGE_QUEUE, workers: Math.max(1, options.workers ?? 1) });
      logger.info({ redis: redactUrl(options.redis.url), lockMs }, "redis job engine started");
    },

    async submit(request) {
      if (stopping || !queue) throw new InferdError("unavailable", "the server is shutting down; submit the job again after it restarts");
      lastCreatedMs = Math.max(Date.now(), lastCreatedMs + 1);
      const spec: JobSpec = { ...request, id: randomUUID(), createdAt: new Date(lastCreatedMs).toISOString() };
      const accepted = await runScript(SUBMIT, [jobKey(spec.id), OPEN_JOBS, projectKey(spec.project)], [
        CHANNEL, JSON.stringify(spec), spec.imageUris.length, indexMember(spec.createdAt, spec.id), queueSize,
      ]);
      if (accepted !== 1) throw new InferdError("resource-exhausted", `the job queue is full (${queueSize} jobs not yet ended); retry when a job has finished`);
      await queue.addBulk(
        spec.imageUris.map((_uri, index) => ({
          name: "image",
          data: { jobId: spec.id, index },
          opts: { jobId: imageJobId(spec.id, index), removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: 500 } },
        })),
      );
      logger.info({ job: spec.id, project: spec.project, model: spec.model, version: spec.version, images: spec.imageUris.length }, "job queued");
      const view = await stored(spec.id);
      if (!view) throw new InferdError("internal", `job ${spec.id} vanished from redis right after it was queued`);
      return view;
    },

    get: stored,

    subscribe: (jobId, listener) => hub.subscribe(jobId, listener),

    async cancel(jobId) {
      const stage = Number(await runScript(CANCEL, [jobKey(jobId), imagesKey(jobId), OPEN_JOBS], [CHANNEL, retentionMs]));
      if (stage === -1) throw jobNotFound(jobId);
      if (stage > 0) return stage as JobStage;
      return ended(jobId);
    },

    async list(project, pageSize, pageToken) {
      if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > MAX_JOB_PAGE_SIZE) {
        throw invalidArgument(`page_size is ${pageSize}; give 1 to ${MAX_JOB_PAGE_SIZE}, or 0 for ${DEFAULT_JOB_PAGE_SIZE}`);
      }
      const size = pageSize === 0 ? DEFAULT_JOB_PAGE_SIZE : pageSize;
      let max = pageToken === "" ? "+" : (() => {
        const key = decodeToken(pageToken);
        return `(${indexMember(key.createdAt, key.id)}`;
      })();
      const jobs: ReturnType<typeof infoOf>[] = [];
      let last: JobSpec | undefined;
      // Members of jobs dropped by retention are removed as they are met; keep reading until the page is full.
      for (;;) {
        const members = await redis.zrange(projectKey(project), max, "-", "BYLEX", "REV", "LIMIT", 0, size - jobs.length + 1);
        if (members.length === 0) return { jobs, nextPageToken: "" };
        for (const member of members) {
          if (jobs.length === size) return { jobs, nextPageToken: last ? encodeToken({ createdAt: last.createdAt, id: last.id }) : "" };
          const id = member.slice(member.indexOf(" ") + 1);
          const job = parseJob(await redis.hgetall(jobKey(id)));
          if (!job) {
            await redis.zrem(projectKey(project), member);
            continue;
          }
          jobs.push(infoOf(job, retentionMs));
          last = job.spec;
        }
        max = `(${members.at(-1) as string}`;
      }
    },

    watchHealth(set) {
      healthListeners.add(set);
      set("redis", connected ? "SERVING" : "NOT_SERVING");
      return () => healthListeners.delete(set);
    },

    async stop() {
      stopping = true;
      // Lets each worker slot finish its image; what is still queued waits in Redis for any replica.
      // Bounded: with Redis away an image in hand cannot be recorded; it is retaken by
      // another replica (or this one after a restart) once its lock expires.
      if (worker) await closeWithin(worker, lockMs);
      await queue?.close();
      hub.close();
      sub.disconnect();
      redis.disconnect();
    },
  };
}

/** Resolves once the client is connected (ioredis keeps retrying until then). */
function ready(client: Redis): Promise<void> {
  return client.status === "ready" ? Promise.resolve() : new Promise((resolve) => client.once("ready", () => resolve()));
}

/** Closes the worker, waiting up to `ms` for images in hand; then closes it without waiting. */
async function closeWithin(worker: Worker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
    timer.unref();
  });
  const closed = worker.close();
  closed.catch(() => undefined);
  if ((await Promise.race([closed, late])) === "late") await worker.close(true).catch(() => undefined);
  clearTimeout(timer);
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparsable redis url)";
  }
}
