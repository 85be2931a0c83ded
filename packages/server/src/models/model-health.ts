import type { ModelRepository } from "./repository";

/** The grpc.health.v1 name of one model: SERVING while it has a ready version. */
export function modelHealthName(model: string): string {
  return `model/${model}`;
}

/** SERVING or NOT_SERVING, as grpc.health.v1 names them. */
export type ModelHealthStatus = "SERVING" | "NOT_SERVING";

/**
 * Keeps one health name per model ({@link modelHealthName}) in line with the repository:
 * SERVING while the model has a ready version, NOT_SERVING while it loads, failed, was unloaded
 * or was removed from the models dir. Reports only changes. Returns a stop function.
 */
export function watchModelHealth(repository: ModelRepository, set: (name: string, status: ModelHealthStatus) => void): () => void {
  const reported = new Map<string, ModelHealthStatus>();
  const update = (): void => {
    const now = new Map<string, ModelHealthStatus>();
    for (const model of repository.list()) now.set(model.name, model.versions.some((v) => v.state === "ready") ? "SERVING" : "NOT_SERVING");
    for (const name of reported.keys()) if (!now.has(name)) now.set(name, "NOT_SERVING");
    for (const [name, status] of now) {
      if (reported.get(name) === status) continue;
      reported.set(name, status);
      set(modelHealthName(name), status);
    }
  };
  update();
  return repository.subscribe(update);
}
