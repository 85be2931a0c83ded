import { ServerInterceptingCall, type ServerInterceptor } from "@grpc/grpc-js";
import { toServiceError } from "../errors";
import type { Authorizer } from "./authorizer";

/** Services callable without a token: health checks and reflection (load balancers, tools). */
export const PUBLIC_SERVICE_PREFIXES: readonly string[] = [
  "/grpc.health.v1.Health/",
  "/grpc.reflection.v1.ServerReflection/",
  "/grpc.reflection.v1alpha.ServerReflection/",
];

/** True for methods that skip authentication. */
export function isPublicMethod(path: string): boolean {
  return PUBLIC_SERVICE_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * A grpc-js server interceptor that answers UNAUTHENTICATED before the handler runs when a
 * call to a non-public method lacks an accepted bearer token. Project-level checks happen
 * in the handlers (see Authorizer.authorizeProject), which know the project a request names.
 */
export function createAuthInterceptor(authorizer: Authorizer): ServerInterceptor {
  return (method, call) => {
    if (!authorizer.enabled || isPublicMethod(method.path)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            try {
              authorizer.authenticate(metadata);
            } catch (error) {
              const { code, details } = toServiceError(error);
              call.sendStatus({ code, details });
              return;
            }
            forward(metadata);
          },
        });
      },
    });
  };
}
