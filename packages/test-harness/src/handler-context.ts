import { AsyncLocalStorage } from "node:async_hooks";
import type { ServiceDefinition, UntypedHandleCall } from "@grpc/grpc-js";

/** What a handler may write about the call it serves, found through the async context. */
export interface HandlerScope {
  /** What the handler threw synchronously; grpc-js answers such a call UNKNOWN "Unknown error". */
  handlerError?: unknown;
}

/**
 * The call a piece of server code runs for. The recording interceptor enters it around every
 * inbound event it forwards, so a handler (and whatever it starts) runs inside its call's scope.
 */
export const handlerScope = new AsyncLocalStorage<HandlerScope>();

/**
 * The scope of each server call, keyed by the call object the recording interceptor wraps (the
 * transport's own call). Fake mode reads it to attach a thrown handler error to the status.
 */
export const scopeOfCall = new WeakMap<object, HandlerScope>();

/** A service implementation: handlers by method name; a missing one answers UNIMPLEMENTED. */
export type ServiceImplementation = { readonly [method: string]: UntypedHandleCall | undefined };

/**
 * Wraps each handler so that a synchronous throw is noted on its call's scope before grpc-js turns
 * it into UNKNOWN. Behaviour is unchanged (the error is rethrown); the note lets `server.calls`
 * keep the error and fake mode show the handler's own stack as the client error's `cause`.
 */
export function noteHandlerThrows(
  definition: ServiceDefinition,
  implementation: ServiceImplementation,
): Record<string, UntypedHandleCall> {
  const wrapped: Record<string, UntypedHandleCall> = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name] ?? (method.originalName ? implementation[method.originalName] : undefined);
    if (typeof handler !== "function") continue;
    const fn = handler as (...args: unknown[]) => unknown;
    wrapped[name] = function (this: unknown, ...args: unknown[]): unknown {
      try {
        return fn.apply(implementation, args);
      } catch (error) {
        const scope = handlerScope.getStore();
        if (scope) scope.handlerError = error;
        throw error;
      }
    } as UntypedHandleCall;
  }
  return wrapped;
}
