/**
 * A model whose worker thread exits recovers: over real gRPC, Infer works, the worker is
 * crashed (a real process.exit in the thread), ListModels reports the version LOADING and
 * Infer answers UNAVAILABLE while it restarts, then Infer works again.
 */
import { join } from "node:path";
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { InferenceClient, ModelState, type ModelInfo } from "@inferd/grpc-types/v1";
import { createTempDir } from "../__tests__/files-fixture";
import { renderSvg } from "../inference/__tests__/images";
import { classifierModel, writeModel } from "../models/__tests__/tiny-models";
import type { SessionHealth } from "../models/runtime";
import { loadWorkerSession } from "../models/worker-runtime";
import { superviseWorker, type SupervisedSession } from "../models/worker-supervisor";
import { createInferdServer } from "../server";

function nextHealth(session: SupervisedSession, state: SessionHealth["state"]): Promise<void> {
  return new Promise((resolve) => {
    const stop = session.onHealth((health) => {
      if (health.state !== state) return;
      stop();
      resolve();
    });
  });
}

test("after its worker thread exits, a model reports LOADING, answers UNAVAILABLE, then serves Infer again", async () => {
  const temp = await createTempDir("model-recovery");
  const modelsDir = join(temp.dir, "models");
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } }, classifierModel(32));
  const sessions: SupervisedSession[] = [];
  let allowRestart!: () => void;
  const restartAllowed = new Promise<void>((resolve) => (allowRestart = resolve));
  let starts = 0;
  const server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: temp.dir,
    modelsDir,
    inference: {
      modelThreads: 1,
      // The server's own supervisor, with its restart held until the test has looked.
      loader: async (path, runtime) => {
        const session = await superviseWorker(path, runtime, {
          firstBackoffMs: 1,
          start: async (p, r) => {
            if (starts++ > 0) await restartAllowed;
            return loadWorkerSession(p, r);
          },
        });
        sessions.push(session);
        return session;
      },
    },
  });
  const client = new InferenceClient(server.address, credentials.createInsecure());
  try {
    await server.ready;
    const image = await renderSvg(64, 64, "", "#f00");
    const inferCode = (): Promise<status> =>
      new Promise((resolve) => client.infer({ model: "colors", version: "", image: { $case: "imageData", value: image } }, (error: ServiceError | null) => resolve(error ? error.code : status.OK)));
    const versionState = (): Promise<ModelState | undefined> =>
      new Promise((resolve, reject) =>
        client.listModels({}, (error, response?: { models: ModelInfo[] }) => (error ? reject(error) : resolve(response?.models.find((m) => m.name === "colors")?.versions[0]?.state))),
      );

    expect(await inferCode()).toBe(status.OK);
    const session = sessions[0];
    if (!session) throw new Error("the loader was not used");
    const restarting = nextHealth(session, "restarting");
    session.crash(70);
    await restarting;
    expect(await versionState()).toBe(ModelState.LOADING);
    expect(await inferCode()).toBe(status.UNAVAILABLE);

    const ready = nextHealth(session, "ready");
    allowRestart();
    await ready;
    expect(await versionState()).toBe(ModelState.READY);
    expect(await inferCode()).toBe(status.OK);
    expect(await inferCode()).toBe(status.OK);
  } finally {
    client.close();
    await server.shutdown(1000);
    await temp.cleanup();
  }
});
