import { join } from "node:path";
import { waitForServing } from "../health";
import { startServerProcess, type ServerProcess } from "./server-process";

/** A running bare grpc-js Diagnostics server (the unary baseline). */
export interface RunningBare {
  readonly process: ServerProcess;
  readonly address: string;
}

/** Starts child/bare-server.js in its own process, with the probe, and waits until it serves. */
export async function startBareServer(workDir: string): Promise<RunningBare> {
  const child = startServerProcess({
    label: "bare grpc-js",
    script: join(__dirname, "bare-server.js"),
    args: ["0"],
    logFile: join(workDir, "bare.log"),
  });
  const address = await child.listening;
  await waitForServing(address, 20_000);
  return { process: child, address };
}
