import type { Logger } from "../logger";
import { errorMessage } from "./model-files";
import type { ModelRepository } from "./repository";

/**
 * How the model repository changes while the server runs (Triton's --model-control-mode):
 * - none: every model loads at start-up; nothing changes afterwards, load/unload calls fail.
 * - poll: every model loads at start-up, then the models dir is polled: new versions load,
 *   removed ones unload, a changed config.json or model file reloads. Load/unload calls fail.
 * - explicit: nothing loads at start-up; only load/unload calls (OIP RepositoryModelLoad and
 *   RepositoryModelUnload, REST /v2/repository/models/{m}/load|unload, `inferctl models load`).
 */
export type ModelControlMode = "none" | "poll" | "explicit";

/** Every mode, for flag checks and --help. */
export const MODEL_CONTROL_MODES: readonly ModelControlMode[] = ["none", "poll", "explicit"];

/** Default poll interval of mode poll, in seconds (Triton has no default; 5 s keeps stat calls rare). */
export const DEFAULT_REPOSITORY_POLL_SECS = 5;

/** A running poller; see {@link startRepositoryPoller}. */
export interface RepositoryPoller {
  /** Stops polling; resolves once a poll in progress finished. */
  stop(): Promise<void>;
}

/**
 * Calls `repository.sync()` every `intervalMs`, counted from the end of the previous poll, so
 * polls never overlap however long a load takes. Polling (stat of each config.json and model
 * file) rather than a file watcher: it works the same on local disks, network filesystems and
 * mounted volumes (where inotify events are missing), needs no dependency, and a model copied
 * in while a poll looks heals itself: a half-written file fails to load, its fingerprint changes
 * when the copy completes, and the next poll loads it (a serving version keeps serving
 * meanwhile). `onPoll` (tests, metrics) hears about each finished poll.
 */
export function startRepositoryPoller(repository: ModelRepository, intervalMs: number, logger: Logger, onPoll?: () => void): RepositoryPoller {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = repository
        .sync()
        .catch((error: unknown) => logger.error({ error: errorMessage(error) }, "model repository poll failed; trying again at the next poll"))
        .then(() => {
          onPoll?.();
          schedule();
        });
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
