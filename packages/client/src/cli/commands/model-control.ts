import type { ModelStatistics } from "@inferd/grpc-types/inference";
import type { Command } from "commander";
import { createOipClient, type OipClient } from "../../oip/oip-client";
import type { CommandContext, ContextFactory } from "../context";
import { formatTable } from "../format";

/** An OIP client with the invocation's address, token, TLS and deadline; closed after `work`. */
export async function withOip<T>(context: CommandContext, work: (oip: OipClient) => Promise<T>): Promise<T> {
  const { address, token, tls, ca, timeout } = context.options;
  const oip = createOipClient({
    address,
    deadlineMs: timeout,
    ...(token ? { token } : {}),
    ...(tls || ca ? { tls: ca ? { ca } : true } : {}),
  });
  try {
    return await work(oip);
  } finally {
    oip.close();
  }
}

const ms = (ns: bigint | undefined): string => (ns === undefined ? "" : (Number(ns) / 1e6).toFixed(3));

function statsRow(s: ModelStatistics): string[] {
  const success = s.inferenceStats?.success;
  const count = success?.count ?? 0n;
  const queue = s.inferenceStats?.queue;
  return [
    s.name,
    s.version,
    String(count),
    String(s.inferenceStats?.fail?.count ?? 0n),
    // Response cache: hits were answered without running the model (servers without a cache report 0).
    String(s.inferenceStats?.cacheHit?.count ?? 0n),
    String(s.inferenceStats?.cacheMiss?.count ?? 0n),
    count > 0n ? ms((success?.ns ?? 0n) / count) : "",
    // Triton's meanings: batch items run vs model executions; their ratio is the average batch size.
    String(s.inferenceCount),
    String(s.executionCount),
    s.executionCount > 0n ? (Number(s.inferenceCount) / Number(s.executionCount)).toFixed(2) : "",
    queue && queue.count > 0n ? ms(queue.ns / queue.count) : "",
    s.lastInference > 0n ? new Date(Number(s.lastInference)).toISOString() : "",
  ];
}

/**
 * `inferctl models load|unload NAME` and `inferctl models stats [NAME]`, over the Open Inference
 * Protocol's repository and statistics extensions (so they work against Triton too). They hang
 * under the `models` command (registered by the inference commands) or create it.
 */
export function registerModelControlCommands(program: Command, contextFor: ContextFactory): void {
  const models =
    program.commands.find((command) => command.name() === "models") ?? program.command("models").description("the server's models");
  models
    .command("load")
    .description("load or reload a model from the server's models dir (server in --model-control-mode explicit)")
    .argument("<name>", "model folder name")
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      await withOip(context, (oip) => oip.loadModel(name));
      if (context.options.json) context.printJson({ model: name, loaded: true });
      else context.print(`${name} loaded`);
    });
  models
    .command("unload")
    .description("unload a model; returns once its running calls finished")
    .argument("<name>", "model name")
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      await withOip(context, (oip) => oip.unloadModel(name));
      if (context.options.json) context.printJson({ model: name, unloaded: true });
      else context.print(`${name} unloaded`);
    });
  models
    .command("stats")
    .description("inference statistics per model version (OIP ModelStatistics): requests, batch sizes, queue time")
    .argument("[name]", "one model; default every model")
    .option("--model-version <version>", "one version of the model")
    .action(async (name: string | undefined, options: { modelVersion?: string }, command: Command) => {
      const context = contextFor(command);
      const stats = await withOip(context, (oip) => oip.modelStatistics(name ?? "", options.modelVersion ?? ""));
      if (context.options.json) {
        context.printJson(stats);
        return;
      }
      if (stats.length === 0) {
        context.note("no ready model versions");
        return;
      }
      const columns = ["model", "version", "success", "fail", "cache hits", "cache misses", "avg ms", "inferences", "executions", "avg batch", "queue ms", "last inference"].map((header) => ({ header }));
      context.print(formatTable(columns, stats.map(statsRow)));
    });
}
