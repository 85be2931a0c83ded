#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInferctl } from "../cli/program";

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
