import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { runOnTerminal } from "./helpers/terminal";
import { startServer, type ServerFixture } from "./helpers/server";

/**
 * The README's quickstart, run as printed: each `$ command` of its console block is run on a
 * pseudo-terminal from the repository root (as a user types it, through pnpm), against a real
 * server with the bundled model, and the screen must equal the transcript under it.
 *
 * Only what must vary between runs is normalised, on both sides: job ids (UUIDs), durations,
 * dates, and the size and SHA-256 of the stored result document (it holds the job id and
 * timings). The test server listens on port 0, so its address is written back as the
 * README's 127.0.0.1:50051 (inferctl gets it from INFERD_ADDRESS, the commands are unchanged),
 * and the mask goes to a temporary folder instead of the repository root.
 */

const ROOT = join(__dirname, "..", "..", "..", "..");
const README_ADDRESS = "127.0.0.1:50051";
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;

interface Step {
  command: string;
  transcript: string;
}

/** The `$ command` lines of the Quickstart's console block and the output printed under each. */
function quickstartSteps(readme: string): Step[] {
  const section = readme.slice(readme.indexOf("## Quickstart"));
  const block = /```console\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README.md has no console block under ## Quickstart");
  const steps: Step[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("$ ")) steps.push({ command: line.slice(2), transcript: "" });
    else if (steps.length > 0) (steps.at(-1) as Step).transcript += `${line}\n`;
  }
  return steps.map((step) => ({ ...step, transcript: step.transcript.trimEnd() }));
}

function normalise(text: string): string {
  return text
    .replace(UUID, "<job-id>")
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b/g, "<date>")
    .replace(/\b\d+(?:\.\d+)? (?:ms|s)\b/g, "<duration>")
    .split("\n")
    .map((line) => (line.startsWith("results/") ? line.replace(/\d+(?:\.\d+)? (?:B|KiB)\b/, "<size>").replace(/[0-9a-f]{12}$/, "<sha256>") : line))
    .join("\n");
}

let fixture: ServerFixture;

beforeAll(async () => {
  fixture = await startServer();
});

afterAll(async () => {
  await fixture.close();
});

test("the README quickstart prints exactly its transcript", async () => {
  const steps = quickstartSteps(await readFile(join(ROOT, "README.md"), "utf8"));
  expect(steps.map((step) => step.command.split(" ").slice(0, 3).join(" "))).toEqual(Array(steps.length).fill("pnpm --silent inferctl"));
  expect(steps.length).toBeGreaterThanOrEqual(4);
  const mask = join(fixture.scratch, "mask.png");
  for (const step of steps) {
    const command = step.command.replace(/--mask mask\.png\b/, `--mask ${mask}`);
    const env = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", TERM: "xterm", INFERD_ADDRESS: fixture.address };
    const run = await runOnTerminal(command, { cwd: ROOT, env });
    expect({ command: step.command, code: run.code }).toEqual({ command: step.command, code: 0 });
    const screen = run.screen.split(fixture.address).join(README_ADDRESS).split(`${fixture.scratch}/`).join("");
    expect(normalise(screen)).toBe(normalise(step.transcript));
  }
  expect(existsSync(mask)).toBe(true);
}, 120_000);
