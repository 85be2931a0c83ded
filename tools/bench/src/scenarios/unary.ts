import { credentials, Metadata } from "@grpc/grpc-js";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DiagnosticsClient, type PingRequest } from "@inferd/grpc-types/v1";
import type { Scenario } from "../context";
import { startBareServer } from "../child/bare-process";
import { startInferd } from "../child/inferd-process";
import { pairedFigure, type Figure } from "../figures";
import { loadServer } from "../measure";
import { interleave, pick } from "../rounds";

const TOKEN = "bench-token-0123456789abcdef";
const CONCURRENCIES = [1, 16, 64] as const;
const REQUEST: PingRequest = { message: "ping", payload: Buffer.alloc(64, 7) };

function pinger(address: string, metadata: Metadata): { ping(): Promise<unknown>; close(): void } {
  const client = new DiagnosticsClient(address, credentials.createInsecure());
  return {
    ping: () =>
      new Promise((resolve, reject) => {
        client.ping(REQUEST, metadata, (error, response) => (error ? reject(error) : resolve(response)));
      }),
    close: () => client.close(),
  };
}

/**
 * unary: Diagnostics.Ping against inferd configured as in production (auth token, info
 * logs, metrics) vs a bare grpc-js server answering the same message. On a small machine the
 * load generator competes with the server for CPU, so req/s mostly measures the client; the
 * server's CPU time per request is the figure that compares the two servers.
 */
export const unaryScenario: Scenario = {
  name: "unary",
  summary: "Diagnostics.Ping at concurrency 1/16/64: inferd (auth, logs, metrics) vs bare grpc-js",
  async run(context) {
    const bare = await startBareServer(context.workDir);
    // Ping touches no model: an empty models dir keeps start-up short and memory small.
    const noModels = join(context.workDir, "no-models");
    mkdirSync(noModels);
    const inferd = await startInferd({ workDir: context.workDir, token: TOKEN, metrics: true, modelsDir: noModels });
    // Both clients send the same header, so the client side costs the same for both.
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${TOKEN}`);
    const bareClient = pinger(bare.address, metadata);
    const inferdClient = pinger(inferd.address, metadata);
    const figures: Figure[] = [];
    try {
      for (const concurrency of CONCURRENCIES) {
        context.progress(`unary: concurrency ${concurrency}`);
        const load = { concurrency, durationMs: context.windowMs, minRequests: concurrency * 4 };
        const rounds = await interleave(
          context.rounds,
          () => loadServer(bare.process, load, bareClient.ping),
          () => loadServer(inferd.process, load, inferdClient.ping),
        );
        const prefix = `c${concurrency}`;
        figures.push(
          pairedFigure("unary", `${prefix}.req_per_s`, "req/s", pick(rounds, (r) => r.perSecond)),
          pairedFigure("unary", `${prefix}.p50`, "µs", pick(rounds, (r) => r.p50Us)),
          pairedFigure("unary", `${prefix}.p99`, "µs", pick(rounds, (r) => r.p99Us)),
          pairedFigure("unary", `${prefix}.server_cpu_per_req`, "µs", pick(rounds, (r) => r.cpuUsPerRequest), {
            on: "ratio",
            op: "<=",
            value: 1.1,
          }),
        );
      }
    } finally {
      bareClient.close();
      inferdClient.close();
      await Promise.all([bare.process.stop(), inferd.process.stop()]);
    }
    return { title: "unary — Diagnostics.Ping, inferd as in production vs bare grpc-js", baselineLabel: "bare grpc-js", figures };
  },
};
