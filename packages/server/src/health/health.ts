import { status as grpcStatus, type MethodDefinition, type sendUnaryData, type Server, type ServerUnaryCall, type ServerWritableStream, type ServiceDefinition } from "@grpc/grpc-js";
import {
  decodeCheckRequest,
  decodeCheckResponse,
  encodeCheckRequest,
  encodeCheckResponse,
  encodeListResponse,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListResponse,
  type ServingStatus,
} from "./health-codec";

export type { ServingStatus } from "./health-codec";

/** The overall health name: "" in grpc.health.v1. */
export const OVERALL = "";

/** grpc-health-check's limit on List, kept: a longer list is RESOURCE_EXHAUSTED. */
const LIST_LIMIT = 100;

const method = <Res>(name: string, responseStream: boolean, responseSerialize: (value: Res) => Buffer): MethodDefinition<HealthCheckRequest, Res> => ({
  path: `/grpc.health.v1.Health/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: encodeCheckRequest,
  requestDeserialize: decodeCheckRequest,
  responseSerialize,
  // Clients of List decode with their own definition; ours only ever serves it.
  responseDeserialize: decodeCheckResponse as unknown as (bytes: Buffer) => Res,
  originalName: name.charAt(0).toLowerCase() + name.slice(1),
});

/** grpc.health.v1.Health (Check, Watch, List) with hand-coded messages (see health-codec). */
export const HEALTH_SERVICE: ServiceDefinition = {
  check: method("Check", false, encodeCheckResponse),
  watch: method("Watch", true, encodeCheckResponse),
  list: method("List", false, encodeListResponse),
};

/**
 * grpc.health.v1 (Check and Watch) for the whole server ("") and each service. Everything
 * starts NOT_SERVING; the server marks a service SERVING once its start-up work is done, and
 * everything NOT_SERVING again when shutdown begins. Behaves as grpc-health-check's
 * HealthImplementation did (unknown name: Check NOT_FOUND, Watch SERVICE_UNKNOWN), without
 * its start-up cost.
 */
export interface ServerHealth {
  set(service: string, status: ServingStatus): void;
  /** Marks every known name, the overall one included, NOT_SERVING. */
  setAllNotServing(): void;
  addToServer(server: Server): void;
}

/** Creates the health service for the given service names. */
export function createServerHealth(services: readonly string[]): ServerHealth {
  const names = [OVERALL, ...services];
  const statuses = new Map<string, ServingStatus>(names.map((name) => [name, "NOT_SERVING"]));
  const watchers = new Map<string, Set<(status: ServingStatus) => void>>();
  const set = (service: string, status: ServingStatus): void => {
    statuses.set(service, status);
    for (const watcher of watchers.get(service) ?? []) watcher(status);
  };
  const implementation = {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) {
      const status = statuses.get(call.request.service);
      if (status) callback(null, { status });
      else callback({ code: grpcStatus.NOT_FOUND, details: `Health status unknown for service ${call.request.service}` });
    },
    watch(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      const { service } = call.request;
      const watcher = (status: ServingStatus): void => {
        call.write({ status });
      };
      let set = watchers.get(service);
      if (!set) watchers.set(service, (set = new Set()));
      set.add(watcher);
      call.on("cancelled", () => set.delete(watcher));
      call.write({ status: statuses.get(service) ?? "SERVICE_UNKNOWN" });
    },
    list(_call: ServerUnaryCall<HealthCheckRequest, HealthListResponse>, callback: sendUnaryData<HealthListResponse>) {
      if (statuses.size > LIST_LIMIT) {
        callback({ code: grpcStatus.RESOURCE_EXHAUSTED, details: "Too many services to list." });
        return;
      }
      callback(null, { statuses: Object.fromEntries([...statuses].map(([name, status]) => [name, { status }])) });
    },
  };
  return {
    set,
    setAllNotServing() {
      for (const name of names) set(name, "NOT_SERVING");
    },
    addToServer: (server) => server.addService(HEALTH_SERVICE, implementation),
  };
}
