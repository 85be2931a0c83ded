import { ServerInterceptingCall, status, type ServerInterceptor } from "@grpc/grpc-js";

/** Called when a call starts; returns the function called once with the call's final code. */
export type CallObserver = (path: string) => (code: status) => void;

/**
 * A server interceptor that reports every call's start and its end: the status the server
 * sent, or CANCELLED when the client went away first. `onEnd` runs exactly once.
 */
export function createObservingInterceptor(observe: CallObserver): ServerInterceptor {
  return (method, call) => {
    const onEnd = observe(method.path);
    let ended = false;
    const end = (code: status): void => {
      if (ended) return;
      ended = true;
      onEnd(code);
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({ onCancel: () => end(status.CANCELLED) });
      },
      sendStatus(sent, next) {
        end(sent.code);
        next(sent);
      },
    });
  };
}
