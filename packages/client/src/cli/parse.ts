import { InvalidArgumentError, type Command } from "commander";
import { parseFileUri, type FileUri } from "../uri";
import { EXIT } from "./exit";

/** Parses a positive integer option value, or fails as a usage error. */
export function parsePositiveInt(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError("expected a positive integer");
  return number;
}

/** Parses a number in [0, 1], or fails as a usage error. */
export function parseFraction(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new InvalidArgumentError("expected a number from 0 to 1");
  }
  return number;
}

/** Parses "inferd://<project>/<path>", or ends the command with a usage error. */
export function requireFileUri(command: Command, uri: string): FileUri {
  try {
    return parseFileUri(uri);
  } catch {
    return command.error(`error: "${uri}" is not a file URI; expected inferd://<project>/<path>`, { exitCode: EXIT.usage });
  }
}
