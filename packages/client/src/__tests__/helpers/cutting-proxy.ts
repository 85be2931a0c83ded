import { createServer, connect, type AddressInfo, type Socket } from "node:net";

/** A TCP proxy that breaks its first connection once enough bytes went upstream. */
export interface CuttingProxy {
  /** "127.0.0.1:<port>" to dial instead of the server. */
  readonly address: string;
  /** Bytes forwarded from clients to the server, over all connections. */
  readonly upstreamBytes: number;
  /** Whether the cut has happened. */
  readonly cut: boolean;
  close(): Promise<void>;
}

/**
 * Forwards TCP to `target`; after `cutAfterBytes` bytes went from client to server it
 * destroys that connection (both sides), like a network failure mid-upload. Later
 * connections are forwarded untouched.
 */
export async function createCuttingProxy(target: string, cutAfterBytes: number): Promise<CuttingProxy> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  let upstreamBytes = 0;
  let cut = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const destroy = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (data: Buffer) => {
      upstreamBytes += data.length;
      if (!cut && upstreamBytes >= cutAfterBytes) {
        cut = true;
        destroy();
        return;
      }
      upstream.write(data);
    });
    upstream.on("data", (data: Buffer) => client.write(data));
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
    get cut() {
      return cut;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
