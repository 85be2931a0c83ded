import { join } from "node:path";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { startServerProcess } from "../child/server-process";
import { pairedFigure } from "../figures";
import { defaultModelFile } from "../fixtures/default-model";
import { waitForServing } from "../health";
import { interleave } from "../rounds";

const TOKEN = "bench-token-startup-0123456789";

/**
 * startup: time from spawning the `inferd` binary (default model, production settings) to
 * health SERVING, vs a bare process that loads the same model into onnxruntime and serves
 * health with bare grpc-js: the part of start-up that is inferd's own.
 */
export const startupScenario: Scenario = {
  name: "startup",
  summary: "process start to health SERVING with the default model vs a bare onnxruntime + grpc-js process",
  async run(context) {
    const modelFile = defaultModelFile();
    let round = 0;
    const bare = async (): Promise<number> => {
      const spawnedAt = performance.now();
      const child = startServerProcess({
        label: "bare model server",
        script: join(__dirname, "..", "child", "model-server.js"),
        args: ["0", modelFile],
        logFile: join(context.workDir, "model-server.log"),
      });
      try {
        return (await waitForServing(await child.listening, 60_000)) - spawnedAt;
      } finally {
        await child.stop();
      }
    };
    const inferd = async (): Promise<number> => {
      // A fresh data dir each time: a first start, as after an install.
      const started = await startInferd({ workDir: join(context.workDir, `inferd-${round++}`), token: TOKEN, metrics: true });
      await started.process.stop();
      return started.servingAt - started.spawnedAt;
    };
    context.progress(`startup: ${context.rounds} rounds`);
    const rounds = await interleave(context.rounds, bare, inferd);
    return {
      title: "startup — spawn to health SERVING with the default model",
      baselineLabel: "bare ort+grpc-js",
      figures: [pairedFigure("startup", "time_to_serving", "ms", rounds)],
    };
  },
};
