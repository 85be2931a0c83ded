import { stat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ModelConfigError, parseModelConfig, VERSION_PATTERN, type ModelConfig } from "./config";

/** A model folder's name: what clients call the model. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a model folder says right now: its config (or why it is unusable) and its version folders. */
export interface ModelFolder {
  readonly config: ModelConfig | undefined;
  readonly configError: string;
  /** config.json's text, compared to notice a change ("" when missing). */
  readonly configText: string;
  readonly versionFolders: readonly string[];
}

async function readConfigText(modelDir: string): Promise<string | undefined> {
  try {
    return await readFile(join(modelDir, "config.json"), "utf8");
  } catch {
    return undefined;
  }
}

function parseConfigText(text: string | undefined): ModelConfig {
  if (text === undefined) throw new ModelConfigError("config.json is missing; every model folder needs one (see MODELS.md)");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelConfigError(`config.json is not valid JSON: ${errorMessage(error)}`);
  }
  return parseModelConfig(raw);
}

/** Reads one model folder; throws only when the folder itself cannot be listed. */
export async function readModelFolder(modelDir: string): Promise<ModelFolder> {
  const entries = await readdir(modelDir, { withFileTypes: true });
  const versionFolders = entries.filter((entry) => entry.isDirectory() && VERSION_PATTERN.test(entry.name)).map((entry) => entry.name);
  const text = await readConfigText(modelDir);
  try {
    return { config: parseConfigText(text), configError: "", configText: text ?? "", versionFolders };
  } catch (error) {
    return { config: undefined, configError: errorMessage(error), configText: text ?? "", versionFolders };
  }
}

/** The model folders of a models dir, by name, sorted; invalid names are reported to `skip`. */
export async function listModelFolders(dir: string, skip: (folder: string) => void): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new Error(`cannot read the models dir ${dir}: ${errorMessage(error)}`);
  });
  const names: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (MODEL_NAME_PATTERN.test(entry.name)) names.push(entry.name);
    else skip(entry.name);
  }
  return names;
}

/**
 * Identifies one content of a model file without reading it (models can be large and the
 * poller looks every few seconds): inode, size and modification time in nanoseconds. Replacing
 * a file by rename (the safe way: a half-written model.onnx is never seen) gives a new inode.
 * "" when the file does not exist.
 */
export async function fileFingerprint(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return "";
  }
}

/** Newest version first (versions are positive integers). */
export function newestFirst(a: string, b: string): number {
  return Number(b) - Number(a);
}
