import type { Command } from "commander";
import { createInferdClient, type InferdClient } from "../client";
import { createProgress, type Progress, type ProgressSink } from "./progress";
import { toJson } from "./format";

/** inferctl's global options, after defaults and environment variables. */
export interface GlobalOptions {
  address: string;
  token?: string;
  tls?: boolean;
  ca?: string;
  json?: boolean;
  /** Deadline of unary calls, in milliseconds. */
  timeout: number;
}

/** The process streams, injectable so the program can run in-process in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressSink & { isTTY?: boolean };
}

/** What every command gets: the options, a lazily created client and output helpers. */
export interface CommandContext {
  readonly options: GlobalOptions & { json: boolean };
  /** The name of the command running ("download"), for hints that fit it. */
  readonly command: string;
  /** The client, created on first use (so usage errors never dial). */
  client(): InferdClient;
  /** Writes a line of result to stdout. */
  print(text: string): void;
  /** Writes a value as JSON to stdout (bigints as strings). */
  printJson(value: unknown): void;
  /** Writes a value as one line of JSON to stdout (for streams of records, NDJSON). */
  printJsonLine(value: unknown): void;
  /** Writes a line of commentary to stderr (suppressed by --json). */
  note(text: string): void;
  /** A progress display on stderr: a bar on a TTY, plain lines otherwise, none with --json off-TTY. */
  progress(label: string): Progress;
  /** Closes the client, if one was created. */
  close(): void;
}

/** Creates the context of one inferctl invocation. */
export function createCommandContext(options: GlobalOptions, io: CliIo, command = ""): CommandContext {
  let client: InferdClient | undefined;
  const tty = io.stderr.isTTY === true;
  return {
    options: { ...options, json: options.json === true },
    command,
    client() {
      client ??= createInferdClient({
        address: options.address,
        deadlineMs: options.timeout,
        ...(options.token ? { token: options.token } : {}),
        ...(options.tls || options.ca ? { tls: options.ca ? { ca: options.ca } : true } : {}),
      });
      return client;
    },
    print: (text) => io.stdout.write(`${text}\n`),
    printJson: (value) => io.stdout.write(`${toJson(value)}\n`),
    printJsonLine: (value) => io.stdout.write(`${toJson(value, 0)}\n`),
    note(text) {
      if (!options.json) io.stderr.write(`${text}\n`);
    },
    progress: (label) => createProgress(io.stderr, label, { mode: tty ? "bar" : options.json ? "none" : "lines" }),
    close() {
      client?.close();
    },
  };
}

/** Gets a command's context; commands call it from their action. */
export type ContextFactory = (command: Command) => CommandContext;

