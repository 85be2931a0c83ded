import { existsSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { InferdClientError } from "../errors";
import { createCommandContext, type CliIo, type CommandContext, type ContextFactory, type GlobalOptions } from "./context";
import { CliExit, EXIT } from "./exit";
import { parsePositiveInt } from "./parse";
import { registerDiagnosticsCommands } from "./commands/diagnostics";
import { registerFileCommands } from "./commands/files";
import { registerInferenceCommands } from "./commands/inference";
import { registerJobCommands } from "./commands/jobs";
import { registerListJobsCommand } from "./commands/list-jobs";
import { registerPipelineCommands } from "./commands/pipeline";
import { describeFailure } from "./hints";
import { errorJson, toJson } from "./format";
import { registerModelControlCommands } from "./commands/model-control";
import { registerModelInferCommand } from "./commands/models-infer";

/** Builds the inferctl program, writing to `io`; `version` is shown by --version. */
export function createProgram(io: CliIo, version: string, contexts: CommandContext[]): Command {
  const program = new Command("inferctl")
    .description("Command-line client of inferd: upload images, run ONNX models on them, follow jobs.")
    .version(version, "-V, --version", "print the inferctl version")
    .addOption(new Option("--address <host:port>", "server address; several replicas: a comma-separated list (round-robin) or dns:name:port").env("INFERD_ADDRESS").default("127.0.0.1:50051"))
    .addOption(new Option("--token <token>", "bearer token sent as `authorization: Bearer`").env("INFERD_TOKEN"))
    .option("--tls", "connect with TLS (system root certificates unless --ca)")
    .option("--ca <file>", "PEM root certificate to trust (implies --tls)")
    .option("--timeout <ms>", "deadline of each call in milliseconds", parsePositiveInt, 30_000)
    .option("--json", "print machine-readable JSON (int64 values as strings)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError("(run `inferctl --help` or `inferctl <command> --help` for usage)");

  const contextFor: ContextFactory = (command) => {
    const options = command.optsWithGlobals<GlobalOptions & { ca?: string }>();
    if (options.ca !== undefined && !existsSync(options.ca)) {
      command.error(`error: --ca file "${options.ca}" does not exist`, { exitCode: EXIT.usage, code: "inferctl.usage" });
    }
    const context = createCommandContext(options, io, command.name());
    contexts.push(context);
    return context;
  };
  registerDiagnosticsCommands(program, contextFor);
  registerFileCommands(program, contextFor);
  registerInferenceCommands(program, contextFor);
  registerJobCommands(program, contextFor);
  registerListJobsCommand(program, contextFor);
  registerModelControlCommands(program, contextFor); // after the inference commands: it extends `models`
  registerModelInferCommand(program, contextFor); // extends `models` too
  registerPipelineCommands(program, contextFor);
  return program;
}

/**
 * Prints a failed call or local failure: the code name and details (or "local error: ...")
 * and a one-line hint fitted to the command; with --json also an error object on stdout.
 * Returns the exit code: 3 for a local failure, 1 for a failed call.
 */
function reportFailure(error: InferdClientError, io: CliIo, options: GlobalOptions, command: string | undefined): number {
  const { message, hint } = describeFailure(error, {
    address: options.address,
    tls: options.tls === true || options.ca !== undefined,
    ...(command === undefined ? {} : { command }),
  });
  io.stderr.write(`inferctl: ${message}\nhint: ${hint}\n`);
  if (options.json === true) io.stdout.write(`${toJson({ error: errorJson(error) })}\n`);
  return error.local ? EXIT.local : EXIT.failed;
}

/**
 * Runs inferctl with `argv` (without node and script) and resolves with its exit code:
 * 0 success, 1 a failed call (or a failed job), 2 a usage error, 130 detached by Ctrl-C.
 */
export async function runInferctl(argv: readonly string[], io: CliIo, version: string): Promise<number> {
  const contexts: CommandContext[] = [];
  const program = createProgram(io, version, contexts);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT.ok;
      // `inferctl help` exits 0; help shown because no command was given is a usage error.
      if (error.code === "commander.help") return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    if (error instanceof CliExit) {
      if (error.message !== "") io.stderr.write(`inferctl: ${error.message}\n`);
      return error.exitCode;
    }
    const options = program.opts<GlobalOptions>();
    if (error instanceof InferdClientError) return reportFailure(error, io, options, contexts.at(-1)?.command);
    io.stderr.write(`inferctl: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  } finally {
    for (const context of contexts) context.close();
  }
}
