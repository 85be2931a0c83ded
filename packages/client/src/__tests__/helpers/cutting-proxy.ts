import { createServer, connect, type AddressInfo, type Socket } from "node:net";

/** A TCP proxy that breaks its first connection once enough bytes went upstream. */
export interface CuttingProxy {
  /** "127.0.0.1:<port>" to dial instead of the server. */
  readonly address: string;
  /** Bytes forwarded from clients to the server, over all connections. */
  readonly upstreamBytes: number;
  /** Bytes forwarded from the server to clients, over all connections. */
  readonly downstreamBytes: number;
  /** Whether the cut has happened. */
  readonly cut: boolean;
  close(): Promise<void>;
}

/** When to cut: after this many bytes in one direction (over all connections). */
export interface CutAfter {
  upstream?: number;
  downstream?: number;
  /**
   * Once the threshold is reached, forward nothing more and cut only when this resolves (e.g.
   * once the server stored some bytes: on a loaded machine it may not have read any yet).
   */
  holdUntil?: () => Promise<void>;
}

/**
 * Forwards TCP to `target`; once `cutAfter` bytes went from client to server (upstream) or
 * back (downstream) it destroys that connection (both sides), like a network failure
 * mid-transfer. Later connections are forwarded untouched.
 */
export async function createCuttingProxy(target: string, cutAfter: CutAfter): Promise<CuttingProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  let upstreamBytes = 0;
  let downstreamBytes = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const destroy = (): void => {
      client.destroy();
      upstream.destroy();
    };
    // The first connection past the threshold stops here: nothing more is forwarded, and it is
    // destroyed once `holdUntil` (when given) resolves.
    let holding = false;
    const cutNow = (): void => {
      cut = true;
      holding = true;
      const hold = cutAfter.holdUntil?.() ?? Promise.resolve();
      hold.then(destroy, destroy);
    };
    client.on("data", (data: Buffer) => {
      upstreamBytes += data.length;
      if (holding) return;
      if (!cut && upstreamBytes >= (cutAfter.upstream ?? Infinity)) return cutNow();
      upstream.write(data);
    });
    upstream.on("data", (data: Buffer) => {
      downstreamBytes += data.length;
      if (holding) return;
      if (!cut && downstreamBytes >= (cutAfter.downstream ?? Infinity)) return cutNow();
      client.write(data);
    });
    client.on("close", destroy).on("error", destroy);
    upstream.on("close", destroy).on("error", destroy);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get upstreamBytes() {
      return upstreamBytes;
    },
    get downstreamBytes() {
      return downstreamBytes;
    },
    get cut() {
      return cut;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
