import type { ModelRepository } from "./repository";

/** A repository several service modules share; see {@link shareRepository}. */
export interface SharedModelRepository extends ModelRepository {
  /** True once `load()` finished (whatever each model's outcome). */
  loaded(): boolean;
}

/**
 * Lets several protocol front-ends (inferd.v1 Inference, OIP) use one repository: `load()`
 * runs once and every caller awaits the same loading, so no model is loaded twice; `close()`
 * runs once too. Each module may call both from its own start()/stop().
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
    resolve: (name, version) => repository.resolve(name, version),
    loadModel: (name) => repository.loadModel(name),
    unloadModel: (name) => repository.unloadModel(name),
    sync: () => repository.sync(),
    close() {
      closing ??= repository.close();
      return closing;
    },
  };
}
