import { DiagnosticsService } from "@inferd/grpc-types/v1";
import { defaultTestMode, TEST_MODE_ENV } from "./mode";
import { implement } from "./service-entry";
import { createTestServer } from "./test-server";

describe("defaultTestMode", () => {
  test("is real unless INFERD_TEST_MODE says otherwise", () => {
    expect(defaultTestMode({})).toBe("real");
    expect(defaultTestMode({ [TEST_MODE_ENV]: "" })).toBe("real");
    expect(defaultTestMode({ [TEST_MODE_ENV]: "fake" })).toBe("fake");
    expect(defaultTestMode({ [TEST_MODE_ENV]: "real" })).toBe("real");
  });

  test("rejects an unknown value instead of silently running the other mode", () => {
    expect(() => defaultTestMode({ [TEST_MODE_ENV]: "fast" })).toThrow(/"fast" is not a test mode/);
  });
});

describe("createTestServer without a mode", () => {
  const saved = process.env[TEST_MODE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[TEST_MODE_ENV];
    else process.env[TEST_MODE_ENV] = saved;
  });

  test.each(["real", "fake"] as const)("follows INFERD_TEST_MODE=%s for the whole run", async (mode) => {
    process.env[TEST_MODE_ENV] = mode;
    await using server = await createTestServer({ services: [implement(DiagnosticsService, {})] });
    expect(server.mode).toBe(mode);
    expect(server.address.startsWith("127.0.0.1:")).toBe(mode === "real");
  });
});
