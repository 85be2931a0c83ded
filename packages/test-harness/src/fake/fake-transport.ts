import type { Transport, TransportSpec } from "../transport";

/** Fake mode: calls dispatched in-process (work in progress). */
export function createFakeTransport(_spec: TransportSpec): Transport {
  throw new Error("fake mode is not implemented yet; use mode: \"real\"");
}
