import { lookup } from "node:dns/promises";
import { experimental, status, type ChannelOptions } from "@grpc/grpc-js";

/** The gRPC target a client dials, and what it needs on its channel. */
export interface ChannelTarget {
  /** What `new Channel()` gets: "host:port", "dns:name:port", or the host-list scheme below. */
  readonly target: string;
  /** How errors name the server(s): the addresses as the caller gave them. */
  readonly display: string;
  /** Channel options of the target (round-robin for several replicas, none for one). */
  readonly options: ChannelOptions;
}

/** The scheme of a list of "host:port" targets, resolved by {@link HostListResolver}. */
const HOST_LIST_SCHEME = "inferd-hosts";

/** Schemes grpc-js resolves to possibly many addresses: these get round-robin too. */
const BALANCED_SCHEMES = /^(dns|ipv4|ipv6):/;

/**
 * Spread calls over every resolved address, one call to the next (round_robin), skipping
 * those that are not connected: a replica that went away (port closed, connection dropped)
 * gets no more calls once its connection failed, and gets them again once it is back.
 * Transparent retries (enable_retries) re-send a call that never reached a server, e.g. one
 * picked for a replica whose GOAWAY was on its way; calls that reached a server are not
 * retried (the caller's own retry policy decides, as with one address).
 */
const ROUND_ROBIN: ChannelOptions = {
  "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
  "grpc.service_config_disable_resolution": 1,
  "grpc.enable_retries": 1,
};

interface HostPort {
  readonly host: string;
  readonly port: number | undefined;
}

/**
 * Resolves "a:1,b:2,..." to every address of every host (host names through the system
 * resolver, like a single address would be), so a list of host names balances as well as a
 * list of IP addresses. A host that does not resolve is left out while others do; only when
 * none does is the resolution an error (UNAVAILABLE). Re-resolved when grpc-js asks (after a
 * connection failure), so a replica whose address changed is found again.
 */
class HostListResolver implements experimental.Resolver {
  private readonly hosts: HostPort[];
  private generation = 0;
  private readonly minIntervalMs: number;
  private lastStarted = -Infinity;
  private pending: NodeJS.Timeout | undefined;

  constructor(
    target: experimental.GrpcUri,
    private readonly listener: experimental.ResolverListener,
    options: ChannelOptions,
  ) {
    this.minIntervalMs = Number(options["grpc.dns_min_time_between_resolutions_ms"] ?? DEFAULT_MIN_RESOLVE_INTERVAL_MS);
    this.hosts = target.path.split(",").map((entry) => {
      const parsed = experimental.splitHostPort(entry.trim());
      if (!parsed) throw new Error(`cannot parse address "${entry}"`);
      return { host: parsed.host, port: parsed.port };
    });
  }

  /**
   * Resolves now, or once {@link minIntervalMs} has passed since the last resolution: the
   * load balancer asks again each time a replica's connection fails, and answering at once
   * would loop (a new list, a reconnect that fails, a new request) without pause.
   */
  updateResolution(): void {
    if (this.pending) return;
    const wait = this.lastStarted + this.minIntervalMs - Date.now();
    if (wait <= 0) {
      this.resolve();
      return;
    }
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.resolve();
    }, wait);
    this.pending.unref();
  }

  private resolve(): void {
    this.lastStarted = Date.now();
    const generation = ++this.generation;
    void Promise.allSettled(
      this.hosts.map(async ({ host, port }) =>
        (await lookup(host, { all: true })).map((found) => ({ addresses: [{ host: found.address, port: port ?? 443 }] })),
      ),
    ).then((results) => {
      if (generation !== this.generation) return; // destroyed, or a newer resolution runs
      const endpoints = results.flatMap((result) => (result.status === "fulfilled" ? result.value : []));
      if (endpoints.length > 0) {
        this.listener(experimental.statusOrFromValue(endpoints), {}, null, "");
        return;
      }
      const details = `none of ${this.hosts.map((h) => h.host).join(", ")} resolves`;
      this.listener(experimental.statusOrFromError({ code: status.UNAVAILABLE, details }), {}, null, details);
    });
  }

  destroy(): void {
    this.generation++;
    clearTimeout(this.pending);
    this.pending = undefined;
    this.lastStarted = -Infinity;
  }

  static getDefaultAuthority(target: experimental.GrpcUri): string {
    return target.path.split(",")[0]?.trim() ?? "localhost";
  }
}

/** Shortest time between two resolutions of a host list (grpc-js's DNS resolver uses 30 s too). */
const DEFAULT_MIN_RESOLVE_INTERVAL_MS = 30_000;

let registered = false;

/**
 * The target of one address or of several: an array, or one string with commas
 * ("10.0.0.1:50051,10.0.0.2:50051") balances round-robin over the entries; a `dns:` target
 * ("dns:inferd.internal:50051") balances over every address the name resolves to. A single
 * plain "host:port" dials it as before (pick-first, no balancing).
 */
export function channelTarget(address: string | readonly string[]): ChannelTarget {
  const entries = (typeof address === "string" ? address.split(",") : [...address]).map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (entries.length === 0) throw new Error("createInferdClient: address is empty; pass host:port, a list of them, or dns:name:port");
  const display = entries.join(",");
  if (entries.length === 1) {
    const only = entries[0] as string;
    return { target: only, display, options: BALANCED_SCHEMES.test(only) ? ROUND_ROBIN : {} };
  }
  const schemed = entries.find((entry) => BALANCED_SCHEMES.test(entry));
  if (schemed !== undefined) {
    throw new Error(`createInferdClient: "${schemed}" cannot be one of several addresses; pass either one dns: target or a list of host:port`);
  }
  if (!registered) {
    experimental.registerResolver(HOST_LIST_SCHEME, HostListResolver);
    registered = true;
  }
  return { target: `${HOST_LIST_SCHEME}:${display}`, display, options: ROUND_ROBIN };
}
