import { join } from "node:path";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { pairedFigure, type Figure } from "../figures";
import { TENSOR_MODEL, writeTensorModelRepo } from "../fixtures/tensor-model";
import { loadServer, type ServerLoadResult } from "../measure";
import { addRequest, createModelInferCaller, createRestInferCaller, restAddressFromLog, type Caller } from "../oip-calls";
import { interleave } from "../rounds";
import { INFER_TOKEN } from "./infer-shared";

/** Rows per request: 64 × 16 FP32 = 4 KiB per input, enough for the encoding to show. */
const BATCH = 64;
const CONCURRENCY = [1, 8] as const;

/**
 * oip-rest: the same inference (the tiny Add model, [64, 16] FP32 inputs) over the OIP REST API
 * — JSON tensors, and the binary tensor data extension — vs gRPC ModelInfer, against one inferd
 * process at the same concurrency, rounds interleaved (gRPC, JSON, binary, gRPC, ...).
 */
export const oipRestScenario: Scenario = {
  name: "oip-rest",
  summary: "OIP REST infer (JSON and binary tensors) vs gRPC ModelInfer on the same model: requests/s ratio",
  async run(context) {
    const modelsDir = join(context.workDir, "models");
    await writeTensorModelRepo(modelsDir);
    const inferd = await startInferd({
      workDir: context.workDir,
      token: INFER_TOKEN,
      metrics: true,
      modelsDir,
      extraArgs: ["--model-threads", "1", "--http-port", "0"],
    });
    const restAddress = await restAddressFromLog(inferd.logFile);
    const callers: Caller[] = [];
    const figures: Figure[] = [];
    try {
      for (const concurrency of CONCURRENCY) {
        const grpc = createModelInferCaller(inferd.address, addRequest(TENSOR_MODEL, BATCH));
        const json = createRestInferCaller(restAddress, TENSOR_MODEL, BATCH, "json", concurrency);
        const binary = createRestInferCaller(restAddress, TENSOR_MODEL, BATCH, "binary", concurrency);
        callers.push(grpc, json, binary);
        const load = { concurrency, durationMs: context.windowMs, minRequests: 20 };
        const measure = (caller: Caller): Promise<ServerLoadResult> => loadServer(inferd.process, load, caller.call);
        context.progress(`oip-rest c${concurrency}: ${context.rounds} rounds`);
        const rounds = await interleave(
          context.rounds,
          () => measure(grpc),
          async () => ({ json: await measure(json), binary: await measure(binary) }),
        );
        const scenario = "oip-rest";
        const c = `c${concurrency}`;
        figures.push(
          pairedFigure(scenario, `${c}.json_req_per_s`, "req/s", rounds.map((r) => ({ baseline: r.baseline.perSecond, subject: r.subject.json.perSecond }))),
          pairedFigure(scenario, `${c}.binary_req_per_s`, "req/s", rounds.map((r) => ({ baseline: r.baseline.perSecond, subject: r.subject.binary.perSecond }))),
          pairedFigure(scenario, `${c}.json_server_cpu_per_req`, "µs", rounds.map((r) => ({ baseline: r.baseline.cpuUsPerRequest, subject: r.subject.json.cpuUsPerRequest }))),
          pairedFigure(scenario, `${c}.binary_server_cpu_per_req`, "µs", rounds.map((r) => ({ baseline: r.baseline.cpuUsPerRequest, subject: r.subject.binary.cpuUsPerRequest }))),
          pairedFigure(scenario, `${c}.json_p50`, "µs", rounds.map((r) => ({ baseline: r.baseline.p50Us, subject: r.subject.json.p50Us }))),
          pairedFigure(scenario, `${c}.binary_p50`, "µs", rounds.map((r) => ({ baseline: r.baseline.p50Us, subject: r.subject.binary.p50Us }))),
        );
      }
      return {
        title: `oip-rest — REST infer (JSON / binary tensors) vs gRPC ModelInfer, tiny Add model [${BATCH}, 16] FP32`,
        baselineLabel: "gRPC",
        figures,
      };
    } finally {
      for (const caller of callers) caller.close();
      await inferd.process.stop();
    }
  },
};
