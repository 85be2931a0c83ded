#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInferctl } from "../cli/program";

// grpc-js passes the host as TLS ServerName, so dialling an IP with --tls makes Node warn
// (DEP0123) on every run; the certificate is still checked against the IP. Drop that one
// warning from the CLI's output, and only that one.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((...args: unknown[]) => {
  const code = typeof args[1] === "object" && args[1] !== null ? (args[1] as { code?: unknown }).code : args[2];
  if (code !== "DEP0123") emitWarning(...args);
}) as typeof process.emitWarning;

const { version } = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };

runInferctl(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }, version).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`inferctl: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
