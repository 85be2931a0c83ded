import { Metadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { TEST_MODES, type TestMode } from "../../index";

/** Metadata as plain data, without the one value that differs between two runs (the Date header). */
export type MetadataShape = Record<string, (string | Buffer)[]>;

/** Metadata -> plain data; `date` is reduced to its presence. */
export function shapeOf(metadata: Metadata): MetadataShape {
  const shape: MetadataShape = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    shape[key] = key === "date" ? ["<date>"] : values;
  }
  return shape;
}

/** A call's outcome as plain data: code, details and trailing metadata. */
export interface Outcome {
  code: number;
  details: string;
  metadata: MetadataShape;
}

/** ServiceError or StatusObject -> {@link Outcome}. */
export function outcomeOf(result: ServiceError | StatusObject): Outcome {
  return { code: result.code ?? -1, details: result.details, metadata: shapeOf(result.metadata ?? new Metadata()) };
}

/** Unary call -> promise of the response, or of the error's {@link Outcome} (never rejects). */
export function settle<T>(start: (callback: (error: ServiceError | null, response?: T) => void) => void) {
  return new Promise<{ response?: T; error?: Outcome }>((resolve) =>
    start((error, response) => resolve(error ? { error: outcomeOf(error) } : { response: response as T })),
  );
}

/** Reads a client stream to its end: the messages, then the final status and error as outcomes. */
export function drain<T>(stream: NodeJS.ReadableStream) {
  return new Promise<{ messages: T[]; status: Outcome; error?: Outcome }>((resolve) => {
    const messages: T[] = [];
    let error: Outcome | undefined;
    let status: Outcome | undefined;
    let finished = false;
    const maybeResolve = (): void => {
      if (status && finished) resolve({ messages, status, ...(error ? { error } : {}) });
    };
    stream.on("data", (message: T) => messages.push(message));
    stream.on("end", () => ((finished = true), maybeResolve()));
    stream.on("error", (e: ServiceError) => ((error = outcomeOf(e)), (finished = true), maybeResolve()));
    stream.on("status", (s: StatusObject) => ((status = outcomeOf(s)), maybeResolve()));
  });
}

/** A promise with its resolve function, for handing a value from a handler to the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * One parity behaviour: `scenario` runs once per mode and returns what it observed; `check`
 * asserts the behaviour itself on each; a last test asserts that fake mode observed exactly
 * what real mode did, which is what keeps the fake from drifting. Each mode's run is shared by
 * its own test and the comparison, and the comparison starts any run that has not happened
 * (a filtered or reordered run), so it never depends on its sibling tests having run.
 */
export function parity<T>(name: string, scenario: (mode: TestMode) => Promise<T>, check: (observed: T) => void): void {
  describe(name, () => {
    const runs = new Map<TestMode, Promise<T>>();
    const run = (mode: TestMode): Promise<T> => {
      let started = runs.get(mode);
      if (!started) {
        started = scenario(mode);
        runs.set(mode, started);
      }
      return started;
    };
    test.each(TEST_MODES)("%s mode", async (mode) => {
      check(await run(mode));
    });
    test("fake mode observes what real mode observes", async () => {
      const real = await run("real");
      const fake = await run("fake");
      check(real);
      check(fake);
      expect(fake).toEqual(real);
    });
  });
}
