import { InferdError } from "../errors";
import type { ModelRepository } from "./repository";

/** A repository several service modules share; see {@link shareRepository}. */
export interface SharedModelRepository extends ModelRepository {
  /** True once `load()` finished (whatever each model's outcome). */
  loaded(): boolean;
}

/**
 * Lets several protocol front-ends (inferd.v1 Inference, OIP) use one repository: `load()`
 * runs once and every caller awaits the same loading, so no model is loaded twice; `close()`
 * runs once too. Each module may call both from its own start()/stop(). Once closing, resolve()
 * answers UNAVAILABLE: a protocol whose listener stops after the owner closed the repository
 * (REST) must not hand out released sessions.
 */
export function shareRepository(repository: ModelRepository): SharedModelRepository {
  let loading: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let done = false;
  return {
    load() {
      loading ??= repository.load().then(() => {
        done = true;
      });
      return loading;
    },
    loaded: () => done,
    list: () => repository.list(),
    resolve(name, version) {
      if (closing) throw new InferdError("unavailable", "the server is shutting down; retry against another instance");
      return repository.resolve(name, version);
    },
    close() {
      closing ??= repository.close();
      return closing;
    },
  };
}
