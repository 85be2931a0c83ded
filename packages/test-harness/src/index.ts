/**
 * Jest helpers for gRPC services: a test server that runs for real on 127.0.0.1:0 or as an
 * in-process fake with local stack traces, call recording, fault injection and typed clients.
 *
 * @packageDocumentation
 */
export { createTestServer } from "./test-server";
export type { TestServer, TestServerOptions, CloseOptions } from "./test-server";
export { implement } from "./service-entry";
export type { ServiceEntry, ImplementationOf, HandlerOf } from "./service-entry";
export type { ServiceImplementation } from "./handler-context";
export type { ClientConstructor, TestServerChannelOptions } from "./transport";
export type { RecordedCall } from "./recorder";
export type { InjectedFailure } from "./faults";
export type { MethodRef } from "./method-ref";
export { inferdClients } from "./inferd-clients";
export type { InferdClients } from "./inferd-clients";
export { unary, readAll } from "./call-helpers";
export type { UnaryMethod, UnaryOptions } from "./call-helpers";
export { TEST_MODES, TEST_MODE_ENV, defaultTestMode } from "./mode";
export type { TestMode } from "./mode";
