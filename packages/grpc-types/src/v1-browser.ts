/**
 * The inferd v1 API for browser bundles (the `browser` condition of `@inferd/grpc-types/v1`):
 * the same generated messages and codecs as `./v1`, without the Node-only freshness guard.
 * Bundlers must map `@grpc/grpc-js` (only its client constructor is referenced, never called
 * by codec users) and provide `Buffer` (ts-proto's `env=node` bytes); see packages/studio.
 *
 * @packageDocumentation
 */
export * from "./gen/inferd/v1/diagnostics";
export * from "./gen/inferd/v1/files";
export * from "./gen/inferd/v1/inference";
