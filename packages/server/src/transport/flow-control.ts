import type { Server } from "@grpc/grpc-js";
import type { Http2Server, Http2Session, Settings } from "node:http2";

/** HTTP/2 receive window inferd advertises for each stream (an upload): 1 MiB. */
export const STREAM_RECEIVE_WINDOW_BYTES = 1024 * 1024;
/** HTTP/2 receive window for each connection, shared by its streams: 4 MiB. */
export const CONNECTION_RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

/** The grpc-js Server internals this module reaches into (grpc-js 1.14). */
interface ServerInternals {
  commonServerOptions?: { settings?: Settings };
  http2Servers?: Map<Http2Server, unknown>;
}

/**
 * Raises the server's HTTP/2 receive windows from Node's 64 KiB default. grpc-js has no
 * server option for it (`grpc-node.flow_control_window` is client-only; grpc-node PR #3058
 * adds it to the server), and with 64 KiB a client can only send 64 KiB per round trip
 * between the two processes: the upload benchmark measured Files.Upload at ~0.06x the speed
 * of a local file copy, with the server idle three quarters of the time waiting for data.
 *
 * Call before bindAsync (the per-stream window goes into the SETTINGS of every connection);
 * then call the returned function after binding (the connection window is set per session).
 * Checked by transport/flow-control.test.ts, so a grpc-js upgrade that moves these
 * internals fails a test instead of silently slowing uploads down.
 */
export function raiseReceiveWindows(server: Server): () => void {
  const internals = server as unknown as ServerInternals;
  if (internals.commonServerOptions) {
    internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: STREAM_RECEIVE_WINDOW_BYTES };
  }
  return () => {
    for (const http2Server of internals.http2Servers?.keys() ?? []) {
      http2Server.on("session", (session: Http2Session) => {
        // Sessions are created before their socket connects; the window is settable once it has.
        const raise = (): void => session.setLocalWindowSize(CONNECTION_RECEIVE_WINDOW_BYTES);
        if (session.connecting) session.once("connect", raise);
        else raise();
      });
    }
  };
}
