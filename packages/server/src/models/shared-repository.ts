import { InferdError } from "../errors";
import { silentLogger, type Logger } from "../logger";
import { DEFAULT_REPOSITORY_POLL_SECS, startRepositoryPoller, type ModelControlMode, type RepositoryPoller } from "./model-control";
import type { ModelRepository } from "./repository";

/** A repository several service modules share; see {@link shareRepository}. */
export interface SharedModelRepository extends ModelRepository {
  /** True once `load()` finished (whatever each model's outcome). */
  loaded(): boolean;
  /** The model control mode load/unload calls and the poller follow. */
  readonly controlMode: ModelControlMode;
}

/** How a shared repository changes after start-up; default mode none. */
export interface ModelControlOptions {
  readonly mode?: ModelControlMode;
  /** Poll interval of mode poll. Default {@link DEFAULT_REPOSITORY_POLL_SECS} s. */
  readonly pollMs?: number;
  readonly logger?: Logger;
  /** Hears about each finished poll (tests wait on it instead of sleeping). */
  readonly onPoll?: () => void;
}

/**
 * Lets several protocol front-ends (inferd.v1 Inference, OIP) use one repository: `load()`
 * runs once and every caller awaits the same loading, so no model is loaded twice; `close()`
 * runs once too. Each module may call both from its own start()/stop(). Once closing, resolve()
 * answers UNAVAILABLE: a protocol whose listener stops after the owner closed the repository
 * (REST) must not hand out released sessions. It also applies the model control mode: in mode
 * poll the poller starts once loaded and stops on close; load and unload calls are
 * FAILED_PRECONDITION unless the mode is explicit.
 */
export function shareRepository(repository: ModelRepository, control: ModelControlOptions = {}): SharedModelRepository {
  const mode = control.mode ?? "none";
  let loading: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let poller: RepositoryPoller | undefined;
  let done = false;
  const explicitOnly = (call: string): void => {
    if (mode !== "explicit") {
      throw new InferdError(
        "failed-precondition",
        `${call} needs model control mode explicit; this server runs in mode ${mode}${mode === "poll" ? " (it follows the models dir by itself)" : ""}: start it with --model-control-mode explicit`,
      );
    }
  };
  return {
    controlMode: mode,
    ...(repository.executionStatistics ? { executionStatistics: repository.executionStatistics } : {}),
    load() {
      loading ??= repository.load().then(() => {
        done = true;
        if (mode === "poll" && !closing) {
          poller = startRepositoryPoller(repository, control.pollMs ?? DEFAULT_REPOSITORY_POLL_SECS * 1000, control.logger ?? silentLogger, control.onPoll);
        }
      });
      return loading;
    },
    loaded: () => done,
    list: () => repository.list(),
    resolve(name, version) {
      if (closing) throw new InferdError("unavailable", "the server is shutting down; retry against another instance");
      return repository.resolve(name, version);
    },
    async loadModel(name) {
      explicitOnly("loading a model");
      await repository.loadModel(name);
    },
    async unloadModel(name) {
      explicitOnly("unloading a model");
      await repository.unloadModel(name);
    },
    sync: () => repository.sync(),
    // Only mode explicit lists folders it has not loaded; the other modes show what they load.
    discover: () => (mode === "explicit" ? repository.discover() : Promise.resolve()),
    subscribe: (listener) => repository.subscribe(listener),
    close() {
      closing ??= (async () => {
        await poller?.stop();
        await repository.close();
      })();
      return closing;
    },
  };
}
