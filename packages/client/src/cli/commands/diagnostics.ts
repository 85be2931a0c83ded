import type { Command } from "commander";
import { formatDuration } from "../format";
import type { ContextFactory } from "../context";
import { CliExit, EXIT } from "../exit";

/** Registers `health` and `ping`. */
export function registerDiagnosticsCommands(program: Command, contextFor: ContextFactory): void {
  program
    .command("health")
    .description("check the server's health (grpc.health.v1); exits 1 unless SERVING")
    .argument("[service]", 'a service name such as "inferd.v1.Inference"; default the whole server', "")
    .action(async (service: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      const state = await context.client().health(service);
      if (context.options.json) context.printJson({ address: context.options.address, service, status: state });
      else context.print(`${state}${service ? ` (${service})` : ""} at ${context.options.address}`);
      if (state !== "SERVING") throw new CliExit(EXIT.failed, `${service || "server"} is ${state}`);
    });

  program
    .command("ping")
    .description("round-trip a Ping to the server and print its version and the latency")
    .argument("[message]", "text to echo", "ping")
    .action(async (message: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      const result = await context.client().ping(message);
      if (context.options.json) {
        context.printJson({
          address: context.options.address,
          message: result.message,
          serverVersion: result.serverVersion,
          serverTime: result.serverTime,
          roundTripMs: Number(result.roundTripMs.toFixed(3)),
        });
      } else {
        context.print(
          `reply from inferd ${result.serverVersion} at ${context.options.address} in ${formatDuration(result.roundTripMs)}: "${result.message}"`,
        );
      }
    });
}
