import { readFileSync } from "node:fs";
import type { ChannelCredentials} from "@grpc/grpc-js";
import { Channel, credentials, Metadata, type CallOptions } from "@grpc/grpc-js";
import { channelTarget } from "./targets";

/** TLS settings; `true` means TLS with the system's root certificates. */
export interface TlsOptions {
  /** PEM root certificate(s) to trust instead of the system's, as text/bytes or a file path. */
  ca?: string | Uint8Array;
  /** PEM client certificate for mutual TLS (with `key`). */
  cert?: string | Uint8Array;
  /** PEM private key of the client certificate. */
  key?: string | Uint8Array;
  /** Host name the server certificate must match, when it differs from the address. */
  serverName?: string;
}

/** Options of createInferdClient. */
export interface InferdClientOptions {
  /**
   * "host:port" of the server, e.g. "127.0.0.1:50051"; or several replicas, as an array or
   * comma-separated ("a:50051,b:50051"), or a `dns:` target ("dns:inferd.internal:50051")
   * whose name resolves to every replica: calls are then spread round-robin over the
   * connected replicas, and one that goes away gets no more calls (see targets.ts).
   */
  address: string | readonly string[];
  /** Bearer token, sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** Use TLS: `true` for the system roots, or settings. Default: plaintext. */
  tls?: boolean | TlsOptions;
  /** Deadline of each unary call in milliseconds (default 30,000); streams have none. */
  deadlineMs?: number;
  /** Largest message sent or received, in bytes (default 64 MiB, like the server). */
  maxMessageBytes?: number;
}

/** What every call of a client shares: one channel, the auth metadata and the deadline. */
export interface Connection {
  /** The address(es) as given, comma-separated (for messages). */
  readonly address: string;
  readonly channel: Channel;
  /** The channel's credentials (generated clients want them, though they use `channel`). */
  readonly credentials: ChannelCredentials;
  /** Client options to hand to a generated client, so it uses the shared channel. */
  readonly clientOptions: { channelOverride: Channel };
  /** Fresh metadata with the authorization header, if a token is set. */
  metadata(): Metadata;
  /** The unary deadline (and the stall timeout of a transfer chunk), in milliseconds. */
  readonly deadlineMs: number;
  /** Call options with the unary deadline. */
  unaryOptions(): Partial<CallOptions>;
  close(): void;
}

/** Default unary deadline, in milliseconds. */
export const DEFAULT_DEADLINE_MS = 30_000;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Reads PEM material: inline PEM text or bytes as is, anything else as a file path. */
function pem(value: string | Uint8Array): Buffer {
  if (typeof value !== "string") return Buffer.from(value);
  return value.includes("-----BEGIN") ? Buffer.from(value) : readFileSync(value);
}

function channelCredentials(tls: boolean | TlsOptions | undefined): {
  creds: ChannelCredentials;
  options: Record<string, string>;
} {
  if (tls === undefined || tls === false) return { creds: credentials.createInsecure(), options: {} };
  const settings: TlsOptions = tls === true ? {} : tls;
  const creds = credentials.createSsl(
    settings.ca === undefined ? null : pem(settings.ca),
    settings.key === undefined ? null : pem(settings.key),
    settings.cert === undefined ? null : pem(settings.cert),
  );
  const options: Record<string, string> =
    settings.serverName === undefined ? {} : { "grpc.ssl_target_name_override": settings.serverName };
  return { creds, options };
}

/** Opens the (lazily connecting) channel every service client of one InferdClient shares. */
export function createConnection(options: InferdClientOptions): Connection {
  const target = channelTarget(options.address);
  const { creds, options: tlsChannelOptions } = channelCredentials(options.tls);
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const channel = new Channel(target.target, creds, {
    ...tlsChannelOptions,
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    // Fail fast and retry ourselves (upload/download) rather than queue behind a dead peer.
    "grpc.enable_retries": 0,
    ...target.options,
  });
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const authorization = options.token ? `Bearer ${options.token}` : undefined;
  return {
    address: target.display,
    channel,
    credentials: creds,
    deadlineMs,
    clientOptions: { channelOverride: channel },
    metadata() {
      const metadata = new Metadata();
      if (authorization !== undefined) metadata.set("authorization", authorization);
      return metadata;
    },
    unaryOptions() {
      return { deadline: Date.now() + deadlineMs };
    },
    close() {
      channel.close();
    },
  };
}
