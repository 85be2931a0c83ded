import { readFileSync } from "node:fs";
import { ALL_PROJECTS, type TokenGrant } from "./token-table";
import { validateProject } from "../files/validate";

/** Why a tokens file was refused; the message names the entry and what to fix. */
export class TokensFileError extends Error {
  override readonly name = "TokensFileError";
}

const MIN_TOKEN_LENGTH = 16;

function fail(message: string): never {
  throw new TokensFileError(message);
}

function parseEntry(value: unknown, index: number): TokenGrant {
  const where = `tokens[${index}]`;
  if (typeof value !== "object" || value === null) fail(`${where} must be an object`);
  const { token, projects, name } = value as Record<string, unknown>;
  if (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH) {
    fail(`${where}.token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (!Array.isArray(projects) || projects.length === 0 || !projects.every((p) => typeof p === "string")) {
    fail(`${where}.projects must be a non-empty array of project ids, or ["*"] for all projects`);
  }
  for (const project of projects as string[]) {
    if (project === ALL_PROJECTS) continue;
    const problem = validateProject(project);
    if (problem) fail(`${where}.projects: ${problem}`);
  }
  if (name !== undefined && typeof name !== "string") fail(`${where}.name must be a string`);
  return { token, projects: projects as string[], name: name ?? `tokens[${index}]` };
}

/**
 * Parses a tokens file:
 * `{ "tokens": [ { "name": "ci", "token": "…", "projects": ["alpha", "beta"] } ] }`.
 * `"projects": ["*"]` grants every project. Throws TokensFileError on any mistake.
 */
export function parseTokensFile(text: string): TokenGrant[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`tokens file is not valid JSON: ${(error as Error).message}`);
  }
  const tokens = (json as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(tokens)) fail(`tokens file must be an object with a "tokens" array`);
  const grants = tokens.map(parseEntry);
  const seen = new Set<string>();
  for (const grant of grants) {
    if (seen.has(grant.token)) fail(`tokens file lists the token of "${grant.name}" twice`);
    seen.add(grant.token);
  }
  return grants;
}

/** Reads and parses a tokens file (see {@link parseTokensFile}). */
export function loadTokensFile(file: string): TokenGrant[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    fail(`cannot read tokens file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseTokensFile(text);
}
