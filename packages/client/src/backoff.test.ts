import { status } from "@grpc/grpc-js";
import { backoffDelay, createBackoff, DEFAULT_RETRY_POLICY, isTransient, type RetryPolicy } from "./backoff";
import { InferdClientError } from "./errors";

const error = (code: status, details = "x"): InferdClientError => new InferdClientError(code, { details });

function recordingPolicy(overrides: Partial<RetryPolicy> = {}): { policy: RetryPolicy; slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    policy: {
      ...DEFAULT_RETRY_POLICY,
      random: () => 1,
      sleep: async (ms) => {
        slept.push(ms);
      },
      ...overrides,
    },
  };
}

test("delays grow exponentially and stop at the cap", () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, random: () => 1 };
  expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(policy, attempt))).toEqual([100, 200, 400, 800, 1000, 1000]);
});

test("jitter keeps each delay between half and all of its ceiling", () => {
  const low = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, random: () => 0 };
  expect([0, 3, 9].map((attempt) => backoffDelay(low, attempt))).toEqual([50, 400, 500]);
});

test("waits with growing delays and gives up with the last error after maxRetries", async () => {
  const { policy, slept } = recordingPolicy({ maxRetries: 3, initialDelayMs: 10, maxDelayMs: 1000 });
  const backoff = createBackoff(policy);
  for (let i = 0; i < 3; i += 1) await backoff.wait(error(status.UNAVAILABLE));
  const last = error(status.UNAVAILABLE, "last");
  await expect(backoff.wait(last)).rejects.toBe(last);
  expect(slept).toEqual([10, 20, 40]);
});

test("progress resets the count, so a slow but moving transfer keeps retrying", async () => {
  const { policy, slept } = recordingPolicy({ maxRetries: 2, initialDelayMs: 10 });
  const events: number[] = [];
  const backoff = createBackoff(policy, (event) => events.push(event.attempt));
  for (let round = 0; round < 5; round += 1) {
    await backoff.wait(error(status.UNAVAILABLE));
    backoff.progressed();
  }
  expect(slept).toEqual([10, 10, 10, 10, 10]);
  expect(events).toEqual([1, 1, 1, 1, 1]);
});

test.each([
  [status.UNAVAILABLE, "", true],
  [status.DEADLINE_EXCEEDED, "", true],
  [status.ABORTED, "", true],
  [status.INTERNAL, "Received RST_STREAM with code 2", true],
  [status.UNKNOWN, "read ECONNRESET", true],
  [status.INTERNAL, "internal server error", false],
  [status.INVALID_ARGUMENT, "", false],
  [status.NOT_FOUND, "", false],
  [status.UNAUTHENTICATED, "", false],
  [status.DATA_LOSS, "", false],
  [status.RESOURCE_EXHAUSTED, "", false],
  [status.FAILED_PRECONDITION, "", false],
])("isTransient(%s, %j) is %s", (code, details, expected) => {
  expect(isTransient(error(code, details))).toBe(expected);
});
