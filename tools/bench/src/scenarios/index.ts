import type { Scenario } from "../context";
import { unaryScenario } from "./unary";

/** Every scenario, in the order `pnpm bench` runs them. */
export const SCENARIOS: readonly Scenario[] = [unaryScenario];
