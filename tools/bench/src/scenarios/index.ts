import type { Scenario } from "../context";
import { admissionScenario } from "./admission";
import { cacheScenario } from "./cache";
import { batchingScenario } from "./batching";
import { inferOverheadScenario } from "./infer-overhead";
import { inferThroughputScenario } from "./infer-throughput";
import { listFilesScenario } from "./list-files";
import { oipOverheadScenario } from "./oip-overhead";
import { oipRestScenario } from "./oip-rest";
import { runScenario } from "./run";
import { scaleOutScenario } from "./scale-out";
import { startupScenario } from "./startup";
import { unaryScenario } from "./unary";
import { uploadScenario } from "./upload";

/** Every scenario, in the order `pnpm bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [
  unaryScenario,
  inferOverheadScenario,
  inferThroughputScenario,
  batchingScenario,
  uploadScenario,
  listFilesScenario,
  runScenario,
  oipOverheadScenario,
  oipRestScenario,
  startupScenario,
  admissionScenario,
  cacheScenario,
  scaleOutScenario,
];
