import { DiagnosticsService, InferenceService } from "@inferd/grpc-types/v1";
import { GRPCInferenceServiceService } from "@inferd/grpc-types/inference";
import { implementService } from "./implement-service";
import { createDiagnosticsService } from "./services/diagnostics";

// The type errors below are the test: `pnpm test` type-checks this file (tsc), and an
// expected-error directive above a line that compiles is itself an error. jest checks what runs.
const diagnostics = createDiagnosticsService();

test("implementService accepts a full implementation and hands grpc-js exactly what it was given", () => {
  const service = implementService(DiagnosticsService, diagnostics);
  expect(service.definition).toBe(DiagnosticsService);
  expect(service.implementation).toBe(diagnostics);
});

test("implementService refuses (at compile time) missing methods, wrong messages and wrong stream kinds", () => {
  const { ping: _ping, ...withoutPing } = diagnostics;
  // @ts-expect-error Ping is missing
  implementService(DiagnosticsService, withoutPing);
  // @ts-expect-error a Diagnostics implementation is not an Inference one
  implementService(InferenceService, diagnostics);
  // @ts-expect-error a unary handler where Chat streams both ways
  implementService(DiagnosticsService, { ...diagnostics, chat: diagnostics.ping });
  const wrongResponse = {
    ...diagnostics,
    ping: (_call: unknown, callback: (error: null, response: { live: boolean }) => void) => callback(null, { live: true }),
  };
  // @ts-expect-error Ping answers PingResponse, not ServerLiveResponse
  implementService(DiagnosticsService, wrongResponse);
  // A definition other than inferd.v1's (the OIP one) is typed just as well.
  // @ts-expect-error its implementation must have ModelInfer and the rest
  implementService(GRPCInferenceServiceService, { serverLive: diagnostics.ping });
});
