import { invalidArgument } from "../../errors";
import type { SharedModelRepository } from "../../models/shared-repository";

/**
 * RepositoryModelLoad / RepositoryModelUnload, shared by gRPC and REST. Triton's load
 * parameters `config` (a config override) and `file:<path>` (model files in the request) are
 * not supported: inferd loads what the models dir holds, so a request with them is refused
 * rather than half-honoured. Unload's `unload_dependents` is accepted (inferd has no ensembles,
 * so a model has no dependents).
 */
export function createRepositoryControl(repository: SharedModelRepository): {
  load(name: string, parameters: readonly string[]): Promise<void>;
  unload(name: string, parameters: readonly string[]): Promise<void>;
} {
  const requireName = (name: string): void => {
    if (name === "") throw invalidArgument("model_name is empty; name a model folder of the models dir (see RepositoryIndex)");
  };
  return {
    async load(name, parameters) {
      requireName(name);
      if (parameters.length > 0) {
        throw invalidArgument(`load parameter(s) ${parameters.join(", ")} are not supported; put the model's files and config.json in the models dir and load it without parameters`);
      }
      await repository.loadModel(name);
    },
    async unload(name, parameters) {
      requireName(name);
      const unsupported = parameters.filter((key) => key !== "unload_dependents");
      if (unsupported.length > 0) throw invalidArgument(`unload parameter(s) ${unsupported.join(", ")} are not supported; only unload_dependents is`);
      await repository.unloadModel(name);
    },
  };
}
