import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { InferdError } from "../errors";
import { silentLogger, type Logger } from "../logger";
import { createExecutionStatistics, type ExecutionStatistics } from "./batch-stats";
import { checkBatchable, createBatchingSession } from "./batching-session";
import type { ModelConfig } from "./config";
import { createInstancePool, loadInstances } from "./instance-pool";
import { createLiveSession, type LiveSession } from "./live-session";
import { errorMessage, fileFingerprint, listModelFolders, MODEL_NAME_PATTERN, newestFirst, readModelFolder, type ModelFolder } from "./model-files";
import { resolvePackageFile } from "./package-file";
import type { ModelLoader, ModelSession, RuntimeOptions, TensorSignature } from "./runtime";
import { createSupervisedLoader } from "./worker-supervisor";
import { createExecutionLoader, DEFAULT_INLINE_MAX_RUN_US } from "./inline-runtime";
import { quote } from "../quote";

/**
 * Where one version of a model stands. "unloaded": in the models dir but not loaded (model
 * control mode explicit before a load, or after an unload).
 */
export type VersionState = "loading" | "ready" | "failed" | "unloaded";

/** One version of a model, as ListModels reports it. */
export interface ModelVersionStatus {
  readonly version: string;
  readonly state: VersionState;
  /** Why loading failed or the version is unloaded; a failed reload of a ready version too. */
  readonly message: string;
}

/** One model of the repository, as ListModels reports it. */
export interface ModelStatus {
  readonly name: string;
  /** Undefined when config.json is missing or invalid (every version is then failed). */
  readonly config: ModelConfig | undefined;
  /** Newest first. */
  readonly versions: readonly ModelVersionStatus[];
  /** The newest ready version's tensors (empty when none is ready). */
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
}

/** A ready model version, resolved for a request. */
export interface ResolvedModel {
  readonly name: string;
  readonly version: string;
  readonly config: ModelConfig;
  /**
   * The version's session. A reload swaps what runs behind it: a call started before the swap
   * finishes on the old model, later calls run on the new one.
   */
  readonly session: ModelSession;
  /**
   * Which load of this version this is: unique per (re)load in the repository's life, so a
   * reload of the same version number (new model file or config.json) never matches what an
   * earlier load computed (the response cache keys by it).
   */
  readonly generation: number;
  /** The input tensor fed with the image. */
  readonly inputName: string;
  /** The outputs the task reads, in config order. */
  readonly outputNames: readonly string[];
}

/** The models of a models dir, loaded into onnxruntime, kept in line with the dir on request. */
export interface ModelRepository {
  /**
   * Start-up: scans the dir and loads every model version (or, with `startup: "none"`, only
   * lists them as unloaded); one failing model never fails the others.
   */
  load(): Promise<void>;
  /** Every model, by name, with per-version state. */
  list(): readonly ModelStatus[];
  /**
   * The named version, or the newest ready one when version is empty. Throws InferdError:
   * not-found (unknown model or version), unavailable (not loaded, loading, failed or unloaded).
   */
  resolve(name: string, version: string): ResolvedModel;
  /**
   * Loads one model from its folder as it is now: new versions load, changed ones (config.json
   * or model file) reload, failed ones are retried, removed ones unload. Resolves once done.
   * Throws not-found (no such folder) or invalid-argument (a version failed to load: the
   * versions that were serving keep serving).
   */
  loadModel(name: string): Promise<void>;
  /** Stops new calls to every version of a model, waits for running ones, releases it. */
  unloadModel(name: string): Promise<void>;
  /** Brings every model in line with the models dir (the poll of model control mode poll). */
  sync(): Promise<void>;
  /**
   * Lists model folders added since start-up as unloaded, and forgets unloaded models whose
   * folder is gone, without loading anything (RepositoryIndex in model control mode explicit).
   */
  discover(): Promise<void>;
  /** Calls `listener` after any version changed state (health follows models this way); returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Releases every session. */
  close(): Promise<void>;
  /**
   * Execution statistics per version (queue time, batch sizes, inference vs execution count),
   * recorded for every protocol where the model runs. Optional for repositories in tests.
   */
  readonly executionStatistics?: ExecutionStatistics;
}

/** Options of {@link createModelRepository}. */
export interface ModelRepositoryOptions {
  /** The models dir: `<dir>/<name>/config.json`, `<dir>/<name>/<version>/model.onnx`. */
  readonly dir: string;
  /** onnxruntime thread counts per model; 0 lets onnxruntime choose. */
  readonly runtime?: Partial<RuntimeOptions>;
  readonly logger?: Logger;
  /** Loads one model file; default onnxruntime-node on the CPU, in a supervised (restarted) worker thread per model version. */
  readonly loader?: ModelLoader;
  /** Median run time (µs, over windows of 16 runs) past which an `"execution": "inline"` model moves to a worker thread. Default {@link DEFAULT_INLINE_MAX_RUN_US}. */
  readonly inlineMaxRunUs?: number;
  /** What `load()` loads: every model (default), or none (model control mode explicit). */
  readonly startup?: "all" | "none";
  /** Where execution statistics go; default a table of its own. */
  readonly executionStatistics?: ExecutionStatistics;
}

interface Binding {
  inputName: string;
  outputNames: string[];
}

interface VersionEntry {
  version: string;
  state: VersionState;
  message: string;
  live?: LiveSession;
  binding?: Binding;
  /** The config the loaded session was checked against. */
  config?: ModelConfig;
  /** What was loaded: config.json's text and the model file's fingerprint. */
  configText?: string;
  fingerprint?: string;
  /** See {@link ResolvedModel.generation}; set with every successful (re)load. */
  generation?: number;
}

interface ModelEntry {
  name: string;
  config: ModelConfig | undefined;
  versions: VersionEntry[];
}

/**
 * A load failure as clients see it (ListModels, Infer's UNAVAILABLE): every occurrence of the
 * model file's absolute path, and of the models dir, is replaced by a name relative to the
 * repository, because onnxruntime's own messages ("Load model from /srv/... failed") would
 * otherwise hand server filesystem paths to clients. The log keeps the full message.
 */
function clientMessage(message: string, replacements: ReadonlyArray<readonly [string, string]>): string {
  let redacted = message;
  for (const [from, to] of replacements) if (from !== "") redacted = redacted.split(from).join(to);
  return redacted;
}

/** Checks that the model's tensors are what the config says they are; returns the names to use. */
function bindTensors(config: ModelConfig, session: ModelSession): Binding {
  // A tensor model is fed and read by name per request: nothing to check against an image task.
  if (config.task === "tensor") return { inputName: session.inputs[0]?.name ?? "", outputNames: session.outputs.map((o) => o.name) };
  const input = config.input.name === undefined ? session.inputs[0] : session.inputs.find((i) => i.name === config.input.name);
  if (!input) {
    throw new Error(`the model has no input "${config.input.name ?? ""}"; its inputs are ${session.inputs.map((i) => i.name).join(", ")}`);
  }
  if (input.shape.length !== 0 && input.shape.length !== 4) {
    throw new Error(`input "${input.name}" has ${input.shape.length} dimensions; image models take 4 ([N,C,H,W] or [N,H,W,C])`);
  }
  const outputNames = config.outputs.length > 0 ? [...config.outputs] : session.outputs.slice(0, 1).map((o) => o.name);
  for (const name of outputNames) {
    if (!session.outputs.some((o) => o.name === name)) {
      throw new Error(`the model has no output "${name}"; its outputs are ${session.outputs.map((o) => o.name).join(", ")}`);
    }
  }
  return { inputName: input.name, outputNames };
}

const UNLOADED = "unloaded; load it with RepositoryModelLoad (inferctl models load)";

/** Creates a repository over a models dir; call {@link ModelRepository.load} to load it. */
export function createModelRepository(options: ModelRepositoryOptions): ModelRepository {
  const logger = options.logger ?? silentLogger;
  const loader =
    options.loader ??
    createExecutionLoader({ worker: createSupervisedLoader({ logger }), maxRunUs: options.inlineMaxRunUs ?? DEFAULT_INLINE_MAX_RUN_US, logger });
  const runtime: RuntimeOptions = {
    intraOpThreads: options.runtime?.intraOpThreads ?? 0,
    interOpThreads: options.runtime?.interOpThreads ?? 0,
    ...(options.runtime?.threadNice !== undefined ? { threadNice: options.runtime.threadNice } : {}),
  };
  const executionStatistics = options.executionStatistics ?? createExecutionStatistics();
  const models = new Map<string, ModelEntry>();
  let loads = 0;
  /** Old sessions draining in the background (replaced or removed versions). */
  const draining = new Set<Promise<void>>();
  // Every change to the repository runs one at a time: a poll, a load and an unload never interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work).finally(notify);
    queue = run.catch(() => undefined);
    return run;
  };

  const inBackground = (release: Promise<void>): void => {
    const tracked = release.finally(() => draining.delete(tracked));
    draining.add(tracked);
  };

  /**
   * A version's state as clients see it: a loaded version whose worker is restarting reports
   * loading, one whose worker kept exiting failed (see worker-supervisor.ts).
   */
  function currentState(v: VersionEntry): { state: VersionState; message: string } {
    const health = v.state === "ready" ? v.live?.health?.() : undefined;
    if (!health || health.state === "ready") return { state: v.state, message: v.message };
    return { state: health.state === "restarting" ? "loading" : "failed", message: health.message };
  }

  /** How clients see a version's model file: relative to the repository, or package/file. */
  function displayPath(name: string, config: ModelConfig | undefined, version: string): string {
    const source = config?.versions[version];
    return source ? `${source.package}/${source.file}` : `${name}/${version}/model.onnx`;
  }

  function modelPath(name: string, config: ModelConfig | undefined, version: string): string {
    const source = config?.versions[version];
    if (!source) return join(options.dir, name, version, "model.onnx");
    const resolved = resolvePackageFile(source, [options.dir, __dirname]);
    if (resolved === undefined) throw new Error(`npm package "${source.package}" is not installed; install it next to the server`);
    return resolved;
  }

  function pathOrEmpty(name: string, config: ModelConfig, version: string): string {
    try {
      return modelPath(name, config, version);
    } catch {
      return "";
    }
  }

  /** Loads one version's model and checks it against the config; throws a client-safe Error. */
  async function openVersion(name: string, config: ModelConfig, version: string): Promise<{ session: ModelSession; binding: Binding; path: string }> {
    const started = Date.now();
    let path = "";
    try {
      path = modelPath(name, config, version);
      if (!existsSync(path)) throw new Error(`${path} does not exist`);
      const { serving } = config;
      const perInstance = { ...runtime, execution: config.execution, ...(serving.intraOpThreads > 0 ? { intraOpThreads: serving.intraOpThreads } : {}) };
      const instances = await loadInstances(loader, path, perInstance, serving.instanceCount);
      const pooled = instances.length === 1 && instances[0] ? instances[0] : createInstancePool(instances);
      const session = createBatchingSession(pooled, serving, executionStatistics.recorder(name, version));
      try {
        const binding = bindTensors(config, session);
        checkBatchable(session, serving);
        const cores = availableParallelism();
        const batching = serving.dynamicBatching ? { maxBatchSize: serving.maxBatchSize, ...serving.dynamicBatching } : "off";
        logger.info({ model: name, version, path, ms: Date.now() - started, instances: serving.instanceCount, cores, batching }, "model loaded");
        // Accepted (Triton does too): more instances than cores only share the cores.
        if (serving.instanceCount > cores) logger.warn({ model: name, version, instances: serving.instanceCount, cores }, "model has more instances than CPU cores");
        return { session, binding, path };
      } catch (error) {
        await session.release();
        throw error;
      }
    } catch (error) {
      const message = errorMessage(error);
      logger.error({ model: name, version, path, error: message }, "model failed to load");
      throw new Error(clientMessage(message, [[path, displayPath(name, config, version)], [options.dir, "<models-dir>"]]));
    }
  }

  /**
   * Loads (or reloads) one version. A version that serves keeps serving until its new model is
   * ready; if the new one fails, the old one goes on and the message says why. Returns the
   * failure message, "" on success.
   */
  async function loadVersion(entry: ModelEntry, config: ModelConfig, configText: string, v: VersionEntry): Promise<string> {
    const fingerprint = await fileFingerprint(pathOrEmpty(entry.name, config, v.version));
    if (!v.live) Object.assign(v, { state: "loading", message: "" });
    notify();
    try {
      const { session, binding } = await openVersion(entry.name, config, v.version);
      if (v.live) inBackground(v.live.swap(session));
      else v.live = createLiveSession(session);
      // In the same synchronous step as the swap: a call resolved from now on runs the new model.
      loads += 1;
      Object.assign(v, { state: "ready", message: "", binding, config, configText, fingerprint, generation: loads });
      notify();
      return "";
    } catch (error) {
      const message = errorMessage(error);
      if (v.live) v.message = `reload failed, the previous model keeps serving: ${message}`;
      else Object.assign(v, { state: "failed", message, configText, fingerprint });
      return `version ${v.version}: ${message}`;
    }
  }

  function retire(v: VersionEntry, reason: string): Promise<void> {
    const live = v.live;
    delete v.live;
    Object.assign(v, { state: "unloaded", message: reason });
    return live ? live.retire(`model version ${v.version} is ${reason}`) : Promise.resolve();
  }

  /**
   * Brings one model in line with its folder. `retry`: also load versions that failed and did
   * not change since (an explicit load); a poll leaves them until their files change. Returns
   * the failures.
   */
  async function applyFolder(entry: ModelEntry, folder: ModelFolder, retry: boolean): Promise<string[]> {
    const serving = entry.versions.filter((v) => v.live);
    if (!folder.config) {
      if (serving.length > 0) {
        for (const v of serving) v.message = `config.json is invalid, the loaded model keeps serving: ${folder.configError}`;
      } else {
        const names = folder.versionFolders.length > 0 ? [...folder.versionFolders].sort(newestFirst) : [""];
        entry.versions = names.map((version) => ({ version, state: "failed", message: folder.configError, configText: folder.configText }));
        entry.config = undefined;
      }
      logger.error({ model: entry.name, error: folder.configError }, "model config is invalid");
      return [folder.configError];
    }
    const config = folder.config;
    entry.config = config;
    const wanted = [...new Set([...folder.versionFolders, ...Object.keys(config.versions)])].sort(newestFirst);
    if (wanted.length === 0) {
      const message = `no versions: add ${entry.name}/1/model.onnx or a "versions" entry in config.json`;
      for (const v of entry.versions) inBackground(retire(v, "removed from the models dir"));
      entry.versions = [{ version: "", state: "failed", message }];
      logger.error({ model: entry.name, error: message }, "model has no versions");
      return [message];
    }
    const byVersion = new Map(entry.versions.map((v) => [v.version, v]));
    for (const v of entry.versions) {
      if (!wanted.includes(v.version) && v.live) {
        logger.info({ model: entry.name, version: v.version }, "model version removed; unloading once its calls finished");
        inBackground(retire(v, "removed from the models dir"));
      }
    }
    entry.versions = wanted.map((version) => byVersion.get(version) ?? { version, state: "loading", message: "" });
    const failures: string[] = [];
    // One at a time: loading is CPU-bound and the machine's cores are onnxruntime's.
    for (const v of entry.versions) {
      const fingerprint = await fileFingerprint(pathOrEmpty(entry.name, config, v.version));
      const changed = v.configText !== folder.configText || v.fingerprint !== fingerprint;
      const needed = v.live ? changed : v.state !== "failed" || changed || retry;
      if (!needed) {
        if (v.state === "failed") failures.push(`version ${v.version}: ${v.message}`);
        continue;
      }
      if (v.live) logger.info({ model: entry.name, version: v.version }, "model version changed; reloading");
      const failure = await loadVersion(entry, config, folder.configText, v);
      if (failure !== "") failures.push(failure);
    }
    return failures;
  }

  async function unloadEntry(entry: ModelEntry, reason: string): Promise<void> {
    await Promise.all(entry.versions.map((v) => retire(v, reason)));
  }

  async function readFolderOf(name: string): Promise<ModelFolder> {
    if (!MODEL_NAME_PATTERN.test(name)) throw new InferdError("invalid-argument", `${quote(name)} is not a valid model name (letters, digits, ".", "_", "-")`);
    try {
      return await readModelFolder(join(options.dir, name));
    } catch {
      throw new InferdError("not-found", `model ${quote(name)} is not in the models dir; add its folder with config.json and a version folder first`);
    }
  }

  async function startup(): Promise<void> {
    const names = await listModelFolders(options.dir, (folder) =>
      logger.warn({ folder }, "models dir: skipping a folder whose name is not a valid model name"),
    );
    for (const name of names) {
      const folder = await readModelFolder(join(options.dir, name));
      const entry: ModelEntry = { name, config: folder.config, versions: [] };
      models.set(name, entry);
      if (options.startup === "none") {
        const versions = [...new Set([...folder.versionFolders, ...Object.keys(folder.config?.versions ?? {})])].sort(newestFirst);
        entry.versions = (versions.length > 0 ? versions : [""]).map((version) => ({ version, state: "unloaded", message: UNLOADED }));
      } else {
        await applyFolder(entry, folder, true);
      }
    }
    const ready = [...models.values()].filter((m) => m.versions.some((v) => v.state === "ready")).length;
    logger.info({ models: models.size, ready }, "model repository loaded");
  }

  return {
    executionStatistics,
    load: () => exclusive(startup),

    list() {
      return [...models.values()].map((entry) => {
        const ready = entry.versions.find((v) => v.state === "ready");
        return {
          name: entry.name,
          config: entry.config,
          versions: entry.versions.map((v) => ({ version: v.version, ...currentState(v) })),
          inputs: ready?.live?.inputs ?? [],
          outputs: ready?.live?.outputs ?? [],
        };
      });
    },

    resolve(name, version) {
      const entry = models.get(name);
      if (!entry) {
        const known = [...models.keys()].join(", ") || "none";
        throw new InferdError("not-found", `model ${quote(name)} is not in the repository; models: ${known} (see ListModels)`);
      }
      let v: VersionEntry | undefined;
      if (version === "") {
        v = entry.versions.find((candidate) => currentState(candidate).state === "ready") ?? entry.versions.find((candidate) => candidate.state === "ready");
        if (!v) {
          const why = entry.versions.map((c) => `${c.version || "(config)"}: ${c.state}${c.message ? ` (${c.message})` : ""}`).join("; ");
          throw new InferdError("unavailable", `model ${quote(name)} has no loaded version (${why}); see ListModels`);
        }
      } else {
        v = entry.versions.find((candidate) => candidate.version === version);
        if (!v) {
          const known = entry.versions.map((c) => c.version).join(", ");
          throw new InferdError("not-found", `model ${quote(name)} has no version ${quote(version)}; versions: ${known}`);
        }
        if (v.state !== "ready") {
          throw new InferdError("unavailable", `model ${quote(name)} version ${version} is ${v.state}${v.message ? `: ${v.message}` : ""}`);
        }
      }
      const now = currentState(v);
      if (now.state !== "ready") throw new InferdError("unavailable", `model ${quote(name)} version ${v.version} is ${now.state}: ${now.message}`);
      if (!v.config || !v.live || !v.binding || v.generation === undefined) throw new InferdError("unavailable", `model ${quote(name)} version ${v.version} is not loaded`);
      return { name, version: v.version, config: v.config, session: v.live, generation: v.generation, ...v.binding };
    },

    loadModel: (name) =>
      exclusive(async () => {
        const folder = await readFolderOf(name);
        let entry = models.get(name);
        if (!entry) {
          entry = { name, config: folder.config, versions: [] };
          models.set(name, entry);
        }
        const failures = await applyFolder(entry, folder, true);
        if (failures.length > 0) {
          const serving = entry.versions.filter((v) => v.state === "ready").map((v) => v.version);
          const still = serving.length > 0 ? `; version(s) ${serving.join(", ")} serve` : "";
          throw new InferdError("invalid-argument", `model ${quote(name)} failed to load: ${failures.join("; ")}${still}`);
        }
      }),

    unloadModel: (name) =>
      exclusive(async () => {
        const entry = models.get(name);
        if (!entry) throw new InferdError("not-found", `model ${quote(name)} is not in the repository; see RepositoryIndex`);
        logger.info({ model: name }, "unloading model once its calls finished");
        await unloadEntry(entry, UNLOADED);
      }),

    sync: () =>
      exclusive(async () => {
        const names = await listModelFolders(options.dir, () => undefined);
        for (const [name, entry] of models) {
          if (names.includes(name)) continue;
          logger.info({ model: name }, "model folder removed; unloading once its calls finished");
          models.delete(name);
          inBackground(unloadEntry(entry, "removed from the models dir"));
        }
        for (const name of names) {
          let folder: ModelFolder;
          try {
            folder = await readModelFolder(join(options.dir, name));
          } catch {
            continue; // removed while we looked: the next poll unloads it
          }
          let entry = models.get(name);
          if (!entry) {
            logger.info({ model: name }, "model folder added; loading");
            entry = { name, config: folder.config, versions: [] };
            models.set(name, entry);
          }
          await applyFolder(entry, folder, false);
        }
      }),

    async discover() {
      // Outside the queue on purpose: an index never waits behind a long load. It only adds
      // entries for names not there yet and drops entries with nothing loaded or loading.
      const names = await listModelFolders(options.dir, () => undefined);
      for (const name of names) {
        if (!models.has(name)) models.set(name, { name, config: undefined, versions: [{ version: "", state: "unloaded", message: UNLOADED }] });
      }
      for (const [name, entry] of models) {
        if (!names.includes(name) && entry.versions.every((v) => v.state === "unloaded" || v.state === "failed")) models.delete(name);
      }
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      await exclusive(async () => {
        for (const entry of models.values()) await unloadEntry(entry, "released: the server is stopping");
      });
      await Promise.all([...draining]);
    },
  };
}
