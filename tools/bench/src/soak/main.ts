#!/usr/bin/env node
/**
 * `pnpm soak [--minutes N]`: mixed traffic against the real inferd binary on loopback for a
 * bounded time, then a report: calls and unexpected codes per operation, latency percentiles,
 * and the server's RSS over time with its slope in MiB/min (a leak shows as a steady positive
 * slope). Stops by itself, stops the server and removes its temp folder. Exit code 1 when the
 * server died or any call ended INTERNAL/UNKNOWN.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { DiagnosticsClient, FilesClient, InferenceClient } from "@inferd/grpc-types/v1";
import sharp from "sharp";
import { startInferd } from "../child/inferd-process";
import { quantile } from "../stats";
import { EXPECTED, OPERATIONS, type Operation, type SoakClients } from "./operations";
import { rssMiB, slopePerMinute } from "./rss";
import { parseSoakArgs } from "./soak-args";

const TOKEN = "soak-token-0123456789abcdef";

function pick(n: number): Operation {
  const total = OPERATIONS.reduce((a, o) => a + o.weight, 0);
  let at = (n * 7919) % total; // a fixed, well-spread order: runs are comparable
  for (const op of OPERATIONS) {
    if (at < op.weight) return op;
    at -= op.weight;
  }
  return OPERATIONS[0] as Operation;
}

async function seed(c: SoakClients, page: Buffer): Promise<void> {
  const put = (path: string, bytes: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const call = c.files.upload(c.metadata, (error) => (error ? reject(error) : resolve()));
      call.write({ content: { $case: "header", value: { project: "soak", path, offset: 0n, sha256: "", restart: false } } });
      call.write({ content: { $case: "chunk", value: bytes } });
      call.end();
    });
  for (let i = 0; i < 10; i++) await put(`seed/s-${i}.bin`, Buffer.alloc(256 * 1024, i));
  await put("seed/page.png", page);
}

async function main(): Promise<void> {
  const args = parseSoakArgs(process.argv.slice(2));
  const workDir = mkdtempSync(join(tmpdir(), "inferd-soak-"));
  const server = await startInferd({ workDir, token: TOKEN, metrics: false, extraArgs: ["--log-level", "warn", ...args.serverArgs] });
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${TOKEN}`);
  const creds = credentials.createInsecure();
  const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#fff" } })
    .composite([{ input: Buffer.from('<svg width="320" height="240"><text x="20" y="120" font-size="40">soak test</text></svg>'), top: 0, left: 0 }])
    .png()
    .toBuffer();
  const clients: SoakClients = {
    files: new FilesClient(server.address, creds),
    inference: new InferenceClient(server.address, creds),
    diagnostics: new DiagnosticsClient(server.address, creds),
    metadata,
    png,
    model: "pp-ocrv4-det",
  };
  let died = false;
  try {
    await seed(clients, png);
    const started = performance.now();
    const endAt = started + args.minutes * 60_000;
    const latencies = new Map<string, number[]>();
    const codes = new Map<string, Map<string, number>>();
    const rss: { minute: number; mib: number }[] = [];
    const sampler = setInterval(() => rss.push({ minute: (performance.now() - started) / 60_000, mib: rssMiB(server.process.pid) }), 1000);
    let n = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() < endAt && !died) {
        const op = pick(n++);
        const t0 = performance.now();
        const code = await op.run(clients, n);
        (latencies.get(op.name) ?? latencies.set(op.name, []).get(op.name)!).push(performance.now() - t0);
        const byCode = codes.get(op.name) ?? codes.set(op.name, new Map()).get(op.name)!;
        const name = status[code] ?? String(code);
        byCode.set(name, (byCode.get(name) ?? 0) + 1);
        if (code === status.UNAVAILABLE && Number.isNaN(rssMiB(server.process.pid))) died = true;
      }
    };
    await Promise.all(Array.from({ length: args.concurrency }, worker));
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;

    const rows = OPERATIONS.map((op) => {
      const l = latencies.get(op.name) ?? [];
      const byCode = codes.get(op.name) ?? new Map<string, number>();
      const expected = status[EXPECTED[op.name] ?? status.OK];
      const unexpected = [...byCode.entries()].filter(([code]) => code !== expected).map(([code, count]) => `${code} ${count}`);
      const ms = (q: number): string => (l.length ? quantile(l, q).toFixed(1) : "-");
      return [op.name, String(l.length), expected ?? "", unexpected.join(", ") || "none", ms(0.5), ms(0.95), ms(0.99)];
    });
    const header = ["OPERATION", "CALLS", "EXPECTED", "UNEXPECTED CODES", "P50 MS", "P95 MS", "P99 MS"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
    const calls = rows.reduce((a, r) => a + Number(r[1]), 0);
    console.log(`soak: ${calls} calls in ${seconds.toFixed(1)} s (${(calls / seconds).toFixed(0)}/s), concurrency ${args.concurrency}, loopback ${server.address}`);
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    const all = [...codes.values()].flatMap((m) => [...m.entries()]);
    const byCodeTotal = new Map<string, number>();
    for (const [code, count] of all) byCodeTotal.set(code, (byCodeTotal.get(code) ?? 0) + count);
    console.log(`codes: ${[...byCodeTotal.entries()].map(([code, count]) => `${code} ${count}`).join(", ")}`);
    const mibs = rss.map((s) => s.mib).filter(Number.isFinite);
    const slope = slopePerMinute(rss);
    console.log(
      `server RSS: start ${mibs[0]?.toFixed(0) ?? "?"} MiB, end ${mibs.at(-1)?.toFixed(0) ?? "?"} MiB, max ${mibs.length ? Math.max(...mibs).toFixed(0) : "?"} MiB, ` +
        `slope ${Number.isFinite(slope) ? slope.toFixed(2) : "?"} MiB/min over ${rss.length} samples` +
        (args.minutes < 2 ? " (short run: the slope mostly shows warm-up)" : ""),
    );
    const fatal = (byCodeTotal.get("INTERNAL") ?? 0) + (byCodeTotal.get("UNKNOWN") ?? 0);
    if (died || fatal > 0) {
      console.log(died ? "FAIL: the server died" : `FAIL: ${fatal} call(s) ended INTERNAL/UNKNOWN`);
      process.exitCode = 1;
    }
  } finally {
    clients.files.close();
    clients.inference.close();
    clients.diagnostics.close();
    await server.process.stop(5000);
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
