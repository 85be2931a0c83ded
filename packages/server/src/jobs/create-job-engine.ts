import type { JobEngine } from "./job-engine";
import type { JobManagerOptions } from "./job-manager";
import { createLocalJobEngine } from "./local-job-engine";
import { createRedisJobEngine, type RedisJobEngineOptions } from "./redis/redis-job-engine";

/** Options of {@link createJobEngine}: the embedded engine's, plus `redis` to switch to Redis. */
export interface JobEngineOptions extends JobManagerOptions {
  /**
   * When set, jobs live in Redis and run on BullMQ workers of every replica that points at
   * the same Redis (`--redis`); the journal is then not used. Unset: the embedded engine.
   */
  readonly redis?: RedisJobEngineOptions["redis"];
}

/** The job engine of a server: the embedded one, or the Redis one when `redis` is set. */
export function createJobEngine(options: JobEngineOptions): JobEngine {
  const { redis, ...local } = options;
  return redis === undefined ? createLocalJobEngine(local) : createRedisJobEngine({ ...local, redis });
}
