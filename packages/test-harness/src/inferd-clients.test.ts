import { status } from "@grpc/grpc-js";
import { DiagnosticsService, InferenceClient, type StreamNumbersResponse } from "@inferd/grpc-types/v1";
import { readAll, unary } from "./call-helpers";
import { inferdClients } from "./inferd-clients";
import { implement } from "./service-entry";
import { createTestServer } from "./test-server";
import { TEST_MODES } from "./mode";

describe.each(TEST_MODES)("inferdClients (%s)", (mode) => {
  test("gives typed clients of all inferd services; unhosted ones answer UNIMPLEMENTED", async () => {
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping: (call, callback) => callback(null, { ...call.request, serverVersion: "1" }),
          streamNumbers(call) {
            call.write({ value: 7n });
            call.end();
          },
        }),
      ],
    });
    const { diagnostics, files, inference } = inferdClients(server);
    const response = await unary(diagnostics.ping.bind(diagnostics), { message: "m", payload: Buffer.alloc(1) });
    expect(response.serverVersion).toBe("1");
    expect(await readAll<StreamNumbersResponse>(diagnostics.streamNumbers({ count: 1, intervalMs: 0 }))).toEqual([
      { value: 7n },
    ]);
    await expect(unary(files.getUploadStatus.bind(files), { project: "p", path: "a.png" })).rejects.toMatchObject({
      code: status.UNIMPLEMENTED,
    });
    // The inference client is a real InferenceClient on the same server: its calls reach it.
    expect(inference).toBeInstanceOf(InferenceClient);
    await expect(unary(inference.listModels.bind(inference), {})).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
  });
});
