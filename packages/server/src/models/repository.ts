import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { silentLogger, type Logger } from "../logger";
import { ModelConfigError, parseModelConfig, VERSION_PATTERN, type ModelConfig } from "./config";
import { resolvePackageFile } from "./package-file";
import type { ModelLoader, ModelSession, RuntimeOptions, TensorSignature } from "./runtime";
import { createSupervisedLoader } from "./worker-supervisor";

/** Where one version of a model stands. */
export type VersionState = "loading" | "ready" | "failed";

/** One version of a model, as ListModels reports it. */
export interface ModelVersionStatus {
  readonly version: string;
  readonly state: VersionState;
  /** Why loading failed; empty otherwise. */
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
  readonly session: ModelSession;
  /** The input tensor fed with the image. */
  readonly inputName: string;
  /** The outputs the task reads, in config order. */
  readonly outputNames: readonly string[];
}

/** The models of a models dir, loaded into onnxruntime. */
export interface ModelRepository {
  /** Scans the dir and loads every model version; one failing model never fails the others. */
  load(): Promise<void>;
  /** Every model, by name, with per-version state. */
  list(): readonly ModelStatus[];
  /**
   * The named version, or the newest ready one when version is empty. Throws InferdError:
   * not-found (unknown model or version), unavailable (not loaded, loading or failed).
   */
  resolve(name: string, version: string): ResolvedModel;
  /** Releases every session. */
  close(): Promise<void>;
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
}

interface VersionEntry {
  version: string;
  state: VersionState;
  message: string;
  session?: ModelSession;
  modelPath?: string;
}

interface ModelEntry {
  name: string;
  config: ModelConfig | undefined;
  versions: VersionEntry[];
}

const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

async function readConfig(modelDir: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(join(modelDir, "config.json"), "utf8");
  } catch {
    throw new ModelConfigError("config.json is missing; every model folder needs one (see MODELS.md)");
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`config.json is not valid JSON: ${errorMessage(error)}`);
  }
  return parseModelConfig(raw);
}

async function versionFolders(modelDir: string): Promise<string[]> {
  const entries = await readdir(modelDir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory() && VERSION_PATTERN.test(entry.name)).map((entry) => entry.name);
}

function newestFirst(a: string, b: string): number {
  return Number(b) - Number(a);
}

/** Checks that the model's tensors are what the config says they are; returns the names to use. */
function bindTensors(config: ModelConfig, session: ModelSession): { inputName: string; outputNames: string[] } {
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

/** Creates a repository over a models dir; call {@link ModelRepository.load} to load it. */
export function createModelRepository(options: ModelRepositoryOptions): ModelRepository {
  const logger = options.logger ?? silentLogger;
  const loader = options.loader ?? createSupervisedLoader({ logger });
  const runtime: RuntimeOptions = {
    intraOpThreads: options.runtime?.intraOpThreads ?? 0,
    interOpThreads: options.runtime?.interOpThreads ?? 0,
    ...(options.runtime?.threadNice !== undefined ? { threadNice: options.runtime.threadNice } : {}),
  };
  const models = new Map<string, ModelEntry>();
  const bindings = new WeakMap<VersionEntry, { inputName: string; outputNames: string[] }>();

  async function scan(): Promise<void> {
    const entries = await readdir(options.dir, { withFileTypes: true }).catch((error: unknown) => {
      throw new Error(`cannot read the models dir ${options.dir}: ${errorMessage(error)}`);
    });
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!MODEL_NAME_PATTERN.test(entry.name)) {
        logger.warn({ folder: entry.name }, "models dir: skipping a folder whose name is not a valid model name");
        continue;
      }
      const modelDir = join(options.dir, entry.name);
      const folders = await versionFolders(modelDir);
      let config: ModelConfig | undefined;
      let configError = "";
      try {
        config = await readConfig(modelDir);
      } catch (error) {
        configError = errorMessage(error);
      }
      const names = new Set([...folders, ...Object.keys(config?.versions ?? {})]);
      const versions: VersionEntry[] = [...names].sort(newestFirst).map((version) => ({ version, state: "loading", message: "" }));
      if (configError !== "") {
        for (const v of versions) Object.assign(v, { state: "failed", message: configError });
        if (versions.length === 0) versions.push({ version: "", state: "failed", message: configError });
        logger.error({ model: entry.name, error: configError }, "model config is invalid");
      } else if (versions.length === 0) {
        const message = `no versions: add ${entry.name}/1/model.onnx or a "versions" entry in config.json`;
        versions.push({ version: "", state: "failed", message });
        logger.error({ model: entry.name, error: message }, "model has no versions");
      }
      models.set(entry.name, { name: entry.name, config, versions });
    }
  }

  /**
   * A version's state as clients see it: a loaded version whose worker is restarting reports
   * loading, one whose worker kept exiting failed (see worker-supervisor.ts).
   */
  function currentState(v: VersionEntry): { state: VersionState; message: string } {
    const health = v.state === "ready" ? v.session?.health?.() : undefined;
    if (!health || health.state === "ready") return { state: v.state, message: v.message };
    return { state: health.state === "restarting" ? "loading" : "failed", message: health.message };
  }

  /** How clients see a version's model file: relative to the repository, or package/file. */
  function displayPath(entry: ModelEntry, version: string): string {
    const source = entry.config?.versions[version];
    return source ? `${source.package}/${source.file}` : `${entry.name}/${version}/model.onnx`;
  }

  function modelPath(entry: ModelEntry, version: string): string {
    const source = entry.config?.versions[version];
    if (!source) return join(options.dir, entry.name, version, "model.onnx");
    const resolved = resolvePackageFile(source, [options.dir, __dirname]);
    if (resolved === undefined) throw new Error(`npm package "${source.package}" is not installed; install it next to the server`);
    return resolved;
  }

  async function loadVersion(entry: ModelEntry, config: ModelConfig, v: VersionEntry): Promise<void> {
    const started = Date.now();
    let path = "";
    try {
      path = modelPath(entry, v.version);
      if (!existsSync(path)) throw new Error(`${path} does not exist`);
      const session = await loader(path, runtime);
      try {
        bindings.set(v, bindTensors(config, session));
      } catch (error) {
        await session.release();
        throw error;
      }
      Object.assign(v, { state: "ready", session, modelPath: path });
      logger.info({ model: entry.name, version: v.version, path, ms: Date.now() - started }, "model loaded");
    } catch (error) {
      const message = errorMessage(error);
      const shown = displayPath(entry, v.version);
      Object.assign(v, { state: "failed", message: clientMessage(message, [[path, shown], [options.dir, "<models-dir>"]]) });
      logger.error({ model: entry.name, version: v.version, path, error: message }, "model failed to load");
    }
  }

  return {
    async load() {
      await scan();
      // One at a time: loading is CPU-bound and the machine's cores are onnxruntime's.
      for (const entry of models.values()) {
        const config = entry.config;
        if (!config) continue;
        for (const v of entry.versions) if (v.state === "loading") await loadVersion(entry, config, v);
      }
      const ready = [...models.values()].filter((m) => m.versions.some((v) => v.state === "ready")).length;
      logger.info({ models: models.size, ready }, "model repository loaded");
    },

    list() {
      return [...models.values()].map((entry) => {
        const ready = entry.versions.find((v) => v.state === "ready");
        return {
          name: entry.name,
          config: entry.config,
          versions: entry.versions.map((v) => ({ version: v.version, ...currentState(v) })),
          inputs: ready?.session?.inputs ?? [],
          outputs: ready?.session?.outputs ?? [],
        };
      });
    },

    resolve(name, version) {
      const entry = models.get(name);
      if (!entry) {
        const known = [...models.keys()].join(", ") || "none";
        throw new InferdError("not-found", `model "${name}" is not in the repository; models: ${known} (see ListModels)`);
      }
      let v: VersionEntry | undefined;
      if (version === "") {
        v = entry.versions.find((candidate) => currentState(candidate).state === "ready") ?? entry.versions.find((candidate) => candidate.state === "ready");
        if (!v) {
          const why = entry.versions.map((c) => `${c.version || "(config)"}: ${c.state}${c.message ? ` (${c.message})` : ""}`).join("; ");
          throw new InferdError("unavailable", `model "${name}" has no loaded version (${why}); see ListModels`);
        }
      } else {
        v = entry.versions.find((candidate) => candidate.version === version);
        if (!v) {
          const known = entry.versions.map((c) => c.version).join(", ");
          throw new InferdError("not-found", `model "${name}" has no version "${version}"; versions: ${known}`);
        }
        if (v.state !== "ready") {
          throw new InferdError("unavailable", `model "${name}" version ${version} is ${v.state}${v.message ? `: ${v.message}` : ""}`);
        }
      }
      const now = currentState(v);
      if (now.state !== "ready") throw new InferdError("unavailable", `model "${name}" version ${v.version} is ${now.state}: ${now.message}`);
      const binding = bindings.get(v);
      if (!entry.config || !v.session || !binding) throw new InferdError("unavailable", `model "${name}" version ${v.version} is not loaded`);
      return { name, version: v.version, config: entry.config, session: v.session, ...binding };
    },

    async close() {
      for (const entry of models.values()) {
        for (const v of entry.versions) {
          if (v.session) await v.session.release().catch(() => undefined);
          delete v.session;
        }
      }
    },
  };
}
