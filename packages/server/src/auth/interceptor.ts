import type { ServerInterceptor } from "@grpc/grpc-js";
import { toServiceError } from "../errors";
import { createCallInterceptor, type CallCheck } from "../lifecycle/call-interceptor";
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
 * The auth check of the server's call interceptor: refuses with UNAUTHENTICATED, before the
 * handler runs, a call to a non-public method that lacks an accepted bearer token.
 * Project-level checks happen in the handlers (see Authorizer.authorizeProject), which know the
 * project a request names. Undefined when auth is off.
 */
export function createAuthCheck(authorizer: Authorizer): CallCheck | undefined {
  if (!authorizer.enabled) return undefined;
  return (path, metadata) => {
    if (isPublicMethod(path)) return undefined;
    try {
      authorizer.authenticate(metadata);
      return undefined;
    } catch (error) {
      const { code, details } = toServiceError(error);
      return { code, details };
    }
  };
}

/** The auth check alone as a grpc-js server interceptor (for servers without inferd's wiring). */
export function createAuthInterceptor(authorizer: Authorizer): ServerInterceptor {
  const check = createAuthCheck(authorizer);
  return createCallInterceptor({ checks: check ? [check] : [] });
}
