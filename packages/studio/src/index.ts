/**
 * inferd studio: a web page for every model, served on loopback, talking gRPC-Web to
 * inferd's HTTP port.
 *
 * @packageDocumentation
 */
export { startStudio } from "./start-studio";
export type { Studio, StudioOptions } from "./start-studio";
export { createStudioServer } from "./serve-studio";
export type { StudioServer, StudioServerOptions } from "./serve-studio";
