import type { Logger } from "../logger";
import type { InferenceOptions } from "../inference/options";
import { DEFAULT_HELPER_THREAD_NICE } from "../inference/thread-priority";
import { createModelRepository } from "../models/repository";
import { shareRepository, type SharedModelRepository } from "../models/shared-repository";
import { createExecutionStatistics, type ExecutionStatistics } from "../models/batch-stats";
import { createResponseCache, DEFAULT_RESPONSE_CACHE_MB, type ResponseCache } from "../models/response-cache";
import { createInferStatistics, type InferStatisticsTable } from "./statistics";

/**
 * The server's one model registry: the models dir loaded once (load, unload, reload and
 * readiness per version, following the model control mode) plus the per-version statistics
 * every protocol records into. Every service module reaches it as `context.engine.models`.
 */
export interface ModelRegistry extends SharedModelRepository {
  /** Cumulative counts and times per model version, whichever protocol ran the model. */
  readonly statistics: InferStatisticsTable;
  /**
   * The one response cache (--response-cache-mb): Infer, Run and ModelInfer of models whose
   * config.json enables it are answered from it; its hits and misses are in `statistics`.
   */
  readonly responseCache: ResponseCache;
  /** Queue time, batch sizes and inference vs execution counts, recorded where each model runs. */
  readonly executionStatistics: ExecutionStatistics;
}

/** What {@link createModelRegistry} works with. */
export interface ModelRegistryOptions {
  /** Absolute models dir. */
  readonly modelsDir: string;
  readonly logger: Logger;
  /** Model threads, helper-thread nice, loader, model control mode and poll interval. */
  readonly inference: InferenceOptions;
}

/** Creates the registry over the models dir; nothing loads until the engine starts. */
export function createModelRegistry({ modelsDir, logger, inference }: ModelRegistryOptions): ModelRegistry {
  const executionStatistics = createExecutionStatistics();
  const repository = createModelRepository({
    dir: modelsDir,
    executionStatistics,
    logger,
    runtime: { intraOpThreads: inference.modelThreads ?? 0, threadNice: inference.helperThreadNice ?? DEFAULT_HELPER_THREAD_NICE },
    ...(inference.loader ? { loader: inference.loader } : {}),
    ...(inference.inlineMaxRunUs !== undefined ? { inlineMaxRunUs: inference.inlineMaxRunUs } : {}),
    // Mode explicit loads only what load calls ask for (Triton's meaning).
    startup: inference.modelControlMode === "explicit" ? "none" : "all",
  });
  const shared = shareRepository(repository, {
    mode: inference.modelControlMode ?? "none",
    ...(inference.repositoryPollMs !== undefined ? { pollMs: inference.repositoryPollMs } : {}),
    logger,
  });
  const responseCache = createResponseCache({ maxBytes: inference.responseCacheBytes ?? DEFAULT_RESPONSE_CACHE_MB * 1024 * 1024 });
  return { ...shared, statistics: createInferStatistics(Date.now, responseCache.counters, executionStatistics), responseCache, executionStatistics };
}
