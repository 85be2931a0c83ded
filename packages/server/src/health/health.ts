import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Server, ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from "@grpc/grpc-js";
import { quote } from "../quote";

/** The overall health name: "" in grpc.health.v1. */
export const OVERALL = "";

/**
 * grpc.health.v1 (Check and Watch) for the whole server ("") and each service. Everything
 * starts NOT_SERVING; the server marks a service SERVING once its start-up work is done, and
 * everything NOT_SERVING again when shutdown begins.
 */
export interface ServerHealth {
  set(service: string, status: ServingStatus): void;
  /** Marks every known name, the overall one included, NOT_SERVING. */
  setAllNotServing(): void;
  addToServer(server: Server): void;
}

/** Creates the health service for the given service names. */
export function createServerHealth(services: readonly string[]): ServerHealth {
  // Names set later (one per model) join the list, so shutdown turns them NOT_SERVING too.
  const names = new Set([OVERALL, ...services]);
  const health = new HealthImplementation(Object.fromEntries([...names].map((name) => [name, "NOT_SERVING"])));
  return {
    set(service, status) {
      names.add(service);
      health.setStatus(service, status);
    },
    setAllNotServing() {
      for (const name of names) health.setStatus(name, "NOT_SERVING");
    },
    addToServer(server) {
      // grpc-health-check echoes an unknown service name whole in Check's NOT_FOUND message;
      // answer it with the name cut by quote(), like every other echo (issue #10 item 9).
      const addService = server.addService.bind(server);
      const wrapped = Object.create(server) as Server;
      wrapped.addService = (service, implementation: UntypedServiceImplementation) => addService(service, { ...implementation, check: cappedCheck(implementation["check"]) });
      health.addToServer(wrapped);
    },
  };
}

type Check = (call: ServerUnaryCall<{ service: string }, unknown>, callback: sendUnaryData<unknown>) => void;

function cappedCheck(check: unknown): Check {
  const original = check as Check;
  return (call, callback) =>
    original(call, (error, value) => {
      if (error) callback({ ...error, details: `health status unknown for service ${quote(call.request.service)}` });
      else callback(null, value);
    });
}
