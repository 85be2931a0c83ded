import { parseArgs } from "node:util";
import { loadTokensFile } from "../auth/tokens-file";
import { ALL_PROJECTS, type TokenGrant } from "../auth/token-table";
import { readTlsFiles, type InferdServerOptions, type KeepaliveOptions } from "../server";
import { DEFAULT_RESPONSE_CACHE_MB } from "../models/response-cache";
import { DEFAULT_DECODE_BUDGET_MB, DEFAULT_INFER_CONCURRENCY, DEFAULT_INFER_QUEUE_SIZE } from "../inference/options";
import { DEFAULT_HELPER_THREAD_NICE } from "../inference/thread-priority";
import { DEFAULT_REPOSITORY_POLL_SECS, MODEL_CONTROL_MODES, type ModelControlMode } from "../models/model-control";
import {
  DEFAULT_HOST,
  DEFAULT_HTTP_PORT,
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTION_IDLE_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_MB,
  DEFAULT_MAX_METADATA_KB,
  DEFAULT_METRICS_HOST,
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_GRACE_MS,
} from "./defaults";

/** A bad flag or environment variable; the message says which and what is allowed. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Log levels the binary accepts. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Shortest token accepted from --token / INFERD_TOKEN. */
export const MIN_TOKEN_LENGTH = 16;

/** What the binary runs with, parsed from flags and environment. */
export interface BinaryConfig {
  readonly help: boolean;
  readonly version: boolean;
  readonly logLevel: LogLevel;
  /** Server options without the logger (the binary adds pino). */
  readonly server: InferdServerOptions;
}

interface FlagSpec {
  readonly env: string;
  readonly type: "string" | "boolean";
  readonly help: string;
}

/** Every flag, its environment variable and its help line: the single source for --help and docs. */
export const FLAGS: Readonly<Record<string, FlagSpec>> = {
  host: { env: "INFERD_HOST", type: "string", help: `interface to bind (default ${DEFAULT_HOST})` },
  port: { env: "INFERD_PORT", type: "string", help: `port to bind; 0 picks a free one (default ${DEFAULT_PORT})` },
  "data-dir": { env: "INFERD_DATA_DIR", type: "string", help: "data directory for files and jobs (default ./.inferd)" },
  "shared-files-dir": {
    env: "INFERD_SHARED_FILES_DIR",
    type: "string",
    help: "files folder shared by several replicas (e.g. on NFS), with cross-process locks, instead of <data-dir>/files (default not shared)",
  },
  "models-dir": { env: "INFERD_MODELS_DIR", type: "string", help: "model repository (default the bundled models/)" },
  "max-message-mb": {
    env: "INFERD_MAX_MESSAGE_MB",
    type: "string",
    help: `largest message sent or received, in MiB (default ${DEFAULT_MAX_MESSAGE_MB})`,
  },
  token: { env: "INFERD_TOKEN", type: "string", help: "bearer token clients must send; grants every project" },
  "tokens-file": { env: "INFERD_TOKENS_FILE", type: "string", help: "JSON file of tokens and the projects each may use" },
  "allow-unauthenticated": {
    env: "INFERD_ALLOW_UNAUTHENTICATED",
    type: "boolean",
    help: "allow a non-loopback --host without any token (not recommended)",
  },
  "tls-cert": { env: "INFERD_TLS_CERT", type: "string", help: "PEM certificate chain: serve TLS (needs --tls-key)" },
  "tls-key": { env: "INFERD_TLS_KEY", type: "string", help: "PEM private key of --tls-cert" },
  "tls-ca": { env: "INFERD_TLS_CA", type: "string", help: "PEM CA bundle: require client certificates it signed (mTLS)" },
  "keepalive-time-ms": {
    env: "INFERD_KEEPALIVE_TIME_MS",
    type: "string",
    help: `ping a connection after this long without traffic (default ${DEFAULT_KEEPALIVE_TIME_MS})`,
  },
  "keepalive-timeout-ms": {
    env: "INFERD_KEEPALIVE_TIMEOUT_MS",
    type: "string",
    help: `drop a connection whose ping is unanswered this long (default ${DEFAULT_KEEPALIVE_TIMEOUT_MS})`,
  },
  "max-connection-idle-ms": {
    env: "INFERD_MAX_CONNECTION_IDLE_MS",
    type: "string",
    help: `close connections without an open call for this long (default ${DEFAULT_MAX_CONNECTION_IDLE_MS})`,
  },
  "max-connection-age-ms": { env: "INFERD_MAX_CONNECTION_AGE_MS", type: "string", help: "close connections older than this" },
  "upload-idle-timeout-ms": {
    env: "INFERD_UPLOAD_IDLE_TIMEOUT_MS",
    type: "string",
    help: "close an Upload that sends nothing this long, bytes kept; 0 = never (default 60000)",
  },
  "max-open-uploads": {
    env: "INFERD_MAX_OPEN_UPLOADS",
    type: "string",
    help: "most uploads one project may have open at once; 0 = no cap (default 64)",
  },
  "http-port": {
    env: "INFERD_HTTP_PORT",
    type: "string",
    help: `port of the HTTP API: Open Inference Protocol REST (/v2), gRPC-Web and studio sessions; 0 picks one, off turns it off (default ${DEFAULT_HTTP_PORT})`,
  },
  "http-host": { env: "INFERD_HTTP_HOST", type: "string", help: "interface of the REST API (default --host)" },
  "max-connections": {
    env: "INFERD_MAX_CONNECTIONS",
    type: "string",
    help: `most open connections; more are closed on arrival; 0 = unlimited (default ${DEFAULT_MAX_CONNECTIONS})`,
  },
  "max-concurrent-streams": {
    env: "INFERD_MAX_CONCURRENT_STREAMS",
    type: "string",
    help: `most concurrent calls per connection (default ${DEFAULT_MAX_CONCURRENT_STREAMS})`,
  },
  "max-metadata-kb": {
    env: "INFERD_MAX_METADATA_KB",
    type: "string",
    help: `largest request metadata (headers) in KiB, advertised to clients (default ${DEFAULT_MAX_METADATA_KB})`,
  },
  "cors-origin": {
    env: "INFERD_CORS_ORIGINS",
    type: "string",
    help: "comma-separated origins whose web pages may call the HTTP port's gRPC-Web API, e.g. http://localhost:5173 (default none)",
  },
  "quota-mb": { env: "INFERD_QUOTA_MB", type: "string", help: "most MiB one project may store, partial uploads included (default unlimited)" },
  "shutdown-grace-ms": {
    env: "INFERD_SHUTDOWN_GRACE_MS",
    type: "string",
    help: `how long in-flight calls may finish on SIGINT/SIGTERM (default ${DEFAULT_SHUTDOWN_GRACE_MS})`,
  },
  "metrics-port": { env: "INFERD_METRICS_PORT", type: "string", help: "serve Prometheus metrics at http://host:port/metrics (default off)" },
  "metrics-host": { env: "INFERD_METRICS_HOST", type: "string", help: `interface of the metrics endpoint; it has no auth (default ${DEFAULT_METRICS_HOST})` },
  "model-threads": { env: "INFERD_MODEL_THREADS", type: "string", help: "onnxruntime threads per model; 0 = all cores (default 0)" },
  "inline-max-run-us": {
    env: "INFERD_INLINE_MAX_RUN_US",
    type: "string",
    help: 'median run time (µs, over 16 runs) past which a model with "execution": "inline" moves to a worker thread (default 1000)',
  },
  "job-workers": { env: "INFERD_JOB_WORKERS", type: "string", help: "Run jobs processed at the same time (default 1)" },
  "job-queue-size": { env: "INFERD_JOB_QUEUE_SIZE", type: "string", help: "Run jobs that may wait for a worker (default 100)" },
  redis: {
    env: "INFERD_REDIS",
    type: "string",
    help: "redis://host:port: jobs live in Redis and every replica on it runs and answers for them (BullMQ; see SCALING.md). Default: embedded jobs",
  },
  "redis-lock-ms": {
    env: "INFERD_REDIS_LOCK_MS",
    type: "string",
    help: "with --redis: an image in work is retaken by another replica this long after its replica died (default 30000)",
  },
  "job-retention": {
    env: "INFERD_JOB_RETENTION",
    type: "string",
    help: "forget finished jobs (and their journals) this long after they end, e.g. 7d, 12h, 30m; 0 = never (default 7d)",
  },
  "max-studio-sessions": {
    env: "INFERD_MAX_STUDIO_SESSIONS",
    type: "string",
    help: "most live studio sessions; one more is refused with HTTP 429 (default 256)",
  },
  "studio-session-ttl": {
    env: "INFERD_STUDIO_SESSION_TTL",
    type: "string",
    help: "end a studio session (POST /studio/session on the HTTP port) and delete its project's files after it is idle this long, e.g. 1h, 30m (default 1h)",
  },
  "model-control-mode": {
    env: "INFERD_MODEL_CONTROL_MODE",
    type: "string",
    help: `how models change while running: ${MODEL_CONTROL_MODES.join(", ")} (default none; see MODELS.md)`,
  },
  "repository-poll-secs": {
    env: "INFERD_REPOSITORY_POLL_SECS",
    type: "string",
    help: `seconds between polls of the models dir in mode poll (default ${DEFAULT_REPOSITORY_POLL_SECS})`,
  },
  "infer-concurrency": {
    env: "INFERD_INFER_CONCURRENCY",
    type: "string",
    help: `Infer calls one model version runs at once (default ${DEFAULT_INFER_CONCURRENCY})`,
  },
  "infer-queue-size": {
    env: "INFERD_INFER_QUEUE_SIZE",
    type: "string",
    help: `Infer calls that may wait per model version; more are RESOURCE_EXHAUSTED (default ${DEFAULT_INFER_QUEUE_SIZE})`,
  },
  "decode-budget-mb": {
    env: "INFERD_DECODE_BUDGET_MB",
    type: "string",
    help: `MiB of decoded image pixels held at once, server-wide (default ${DEFAULT_DECODE_BUDGET_MB})`,
  },
  "response-cache-mb": {
    env: "INFERD_RESPONSE_CACHE_MB",
    type: "string",
    help: `MiB the response cache holds at most, server-wide (models opt in with config.json "response_cache"); 0 = off (default ${DEFAULT_RESPONSE_CACHE_MB})`,
  },
  "helper-nice": {
    env: "INFERD_HELPER_NICE",
    type: "string",
    help: `nice value of decoding and model threads, so health and Ping come first; 0 = off (default ${DEFAULT_HELPER_THREAD_NICE})`,
  },
  "log-level": { env: "INFERD_LOG_LEVEL", type: "string", help: `one of ${LOG_LEVELS.join(", ")} (default info)` },
  help: { env: "", type: "boolean", help: "print this help" },
  version: { env: "", type: "boolean", help: "print the version" },
};

/** The --help text. */
export function helpText(): string {
  const lines = Object.entries(FLAGS).map(([name, spec]) => {
    const flag = `--${name}${spec.type === "string" ? " <value>" : ""}`;
    return `  ${flag.padEnd(32)} ${spec.help}${spec.env ? ` [${spec.env}]` : ""}`;
  });
  return ["Usage: inferd [options]", "", "Serves ONNX models, files and jobs over gRPC.", "", "Options:", ...lines].join("\n");
}

function integer(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`--${name} must be a whole number from ${min} to ${max}; got "${text}"`);
  const value = Number(text.trim());
  if (value < min || value > max) throw new ConfigError(`--${name} must be from ${min} to ${max}; got ${value}`);
  return value;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as "7d", "12h", "30m" or "45s" (or "0"), in ms. */
function duration(name: string, text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const value = match ? Number(match[1]) * (DURATION_UNITS_MS[match[2] || "s"] ?? 1000) : NaN;
  if (!match || (value !== 0 && match[2] === "") || !Number.isSafeInteger(value) || value > 3650 * 86_400_000) {
    throw new ConfigError(`--${name} must be a duration such as 7d, 12h, 30m or 45s (at most 3650d), or 0; got "${text}"`);
  }
  return value;
}

function truthy(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["", "0", "false", "no", "off"].includes(value)) return false;
  throw new ConfigError(`${FLAGS[name]?.env} must be true or false; got "${text}"`);
}

/**
 * Parses flags and environment (a flag wins over its variable) into the binary's config.
 * Reads the tokens file and TLS files it names; throws ConfigError with a message that says
 * what to fix.
 */
export function parseBinaryConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BinaryConfig {
  const options = Object.fromEntries(Object.entries(FLAGS).map(([name, spec]) => [name, { type: spec.type }])) as Record<
    string,
    { type: "string" | "boolean" }
  >;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}; see --help`);
  }
  const text = (name: string): string | undefined => {
    const flag = values[name];
    if (typeof flag === "string") return flag;
    const variable = FLAGS[name]?.env;
    const fromEnv = variable ? env[variable] : undefined;
    return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
  };
  const flag = (name: string): boolean => {
    if (values[name] === true) return true;
    const variable = FLAGS[name]?.env;
    return variable ? truthy(name, env[variable] ?? "") : false;
  };
  const optionalInt = (name: string, min: number, max: number): number | undefined => {
    const value = text(name);
    return value === undefined ? undefined : integer(name, value, min, max);
  };

  const logLevel = (text("log-level") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(", ")}; got "${logLevel}"`);

  const tokens: TokenGrant[] = [];
  const token = text("token");
  if (token !== undefined) {
    if (token.length < MIN_TOKEN_LENGTH) throw new ConfigError(`--token must be at least ${MIN_TOKEN_LENGTH} characters`);
    tokens.push({ token, projects: [ALL_PROJECTS], name: "token" });
  }
  const tokensFile = text("tokens-file");
  if (tokensFile !== undefined) {
    try {
      tokens.push(...loadTokensFile(tokensFile));
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }

  const cert = text("tls-cert");
  const key = text("tls-key");
  const ca = text("tls-ca");
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError("--tls-cert and --tls-key go together; give both or neither");
  if (ca !== undefined && cert === undefined) throw new ConfigError("--tls-ca (mutual TLS) needs --tls-cert and --tls-key");
  let tls: InferdServerOptions["tls"];
  if (cert !== undefined && key !== undefined) {
    try {
      tls = readTlsFiles(cert, key, ca);
    } catch (error) {
      throw new ConfigError(`cannot read TLS files: ${(error as Error).message}`);
    }
  }

  const keepalive: KeepaliveOptions = {
    timeMs: optionalInt("keepalive-time-ms", 1, 2 ** 31 - 1),
    timeoutMs: optionalInt("keepalive-timeout-ms", 1, 2 ** 31 - 1),
    maxConnectionIdleMs: optionalInt("max-connection-idle-ms", 1, 2 ** 31 - 1),
    maxConnectionAgeMs: optionalInt("max-connection-age-ms", 1, 2 ** 31 - 1),
  };
  const maxConnections = optionalInt("max-connections", 0, 1_000_000);
  const maxConcurrentStreams = optionalInt("max-concurrent-streams", 1, 2 ** 31 - 1);
  const maxMetadataKb = optionalInt("max-metadata-kb", 1, 16 * 1024);
  const maxMessageMb = optionalInt("max-message-mb", 1, 2047) ?? DEFAULT_MAX_MESSAGE_MB;
  const quotaMb = optionalInt("quota-mb", 0, 2 ** 40);
  const uploadIdleTimeoutMs = optionalInt("upload-idle-timeout-ms", 0, 2 ** 31 - 1);
  const maxOpenUploads = optionalInt("max-open-uploads", 0, 1_000_000);
  const metricsPort = optionalInt("metrics-port", 0, 65535);
  const metricsHost = text("metrics-host");
  // On by default (like Triton's and KServe's 8000); "off" leaves only gRPC.
  const httpPortText = text("http-port") ?? String(DEFAULT_HTTP_PORT);
  if (httpPortText.trim().toLowerCase() !== "off" && !/^\d+$/.test(httpPortText.trim())) {
    throw new ConfigError(`--http-port must be a port number (0 picks a free one) or off; got "${httpPortText}"`);
  }
  const httpPort = httpPortText.trim().toLowerCase() === "off" ? undefined : integer("http-port", httpPortText, 0, 65535);
  const httpHost = text("http-host");
  const corsOrigins = text("cors-origin")?.split(",").map((origin) => origin.trim()).filter((origin) => origin.length > 0);
  const modelThreads = optionalInt("model-threads", 0, 1024);
  const inlineMaxRunUs = optionalInt("inline-max-run-us", 1, 1_000_000);
  const jobWorkers = optionalInt("job-workers", 1, 64);
  const jobQueueSize = optionalInt("job-queue-size", 0, 1_000_000);
  const redisUrl = text("redis");
  const redisLockMs = optionalInt("redis-lock-ms", 500, 2 ** 31 - 1);
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError(`--redis must be a redis:// or rediss:// URL, not ${JSON.stringify(redisUrl)}`);
  const jobRetentionText = text("job-retention");
  const jobRetentionMs = jobRetentionText === undefined ? undefined : duration("job-retention", jobRetentionText);
  const studioSessionTtlText = text("studio-session-ttl");
  const studioSessionTtlMs = studioSessionTtlText === undefined ? undefined : duration("studio-session-ttl", studioSessionTtlText);
  if (studioSessionTtlMs === 0) throw new ConfigError("--studio-session-ttl must be longer than 0");
  const maxStudioSessions = optionalInt("max-studio-sessions", 1, 1_000_000);
  const modelControlMode = (text("model-control-mode") ?? "none") as ModelControlMode;
  if (!MODEL_CONTROL_MODES.includes(modelControlMode)) {
    throw new ConfigError(`--model-control-mode must be one of ${MODEL_CONTROL_MODES.join(", ")}; got "${modelControlMode}"`);
  }
  const pollSecs = optionalInt("repository-poll-secs", 1, 24 * 3600);
  if (pollSecs !== undefined && modelControlMode !== "poll") throw new ConfigError("--repository-poll-secs needs --model-control-mode poll");
  const inferConcurrency = optionalInt("infer-concurrency", 1, 1024);
  const inferQueueSize = optionalInt("infer-queue-size", 0, 1_000_000);
  const decodeBudgetMb = optionalInt("decode-budget-mb", 1, 1024 * 1024);
  const helperThreadNice = optionalInt("helper-nice", 0, 19);
  const responseCacheMb = optionalInt("response-cache-mb", 0, 1024 * 1024);
  const dataDir = text("data-dir");
  const modelsDir = text("models-dir");
  const sharedFilesDir = text("shared-files-dir");

  return {
    help: values["help"] === true,
    version: values["version"] === true,
    logLevel,
    server: {
      host: text("host") ?? DEFAULT_HOST,
      port: optionalInt("port", 0, 65535) ?? DEFAULT_PORT,
      maxMessageBytes: maxMessageMb * 1024 * 1024,
      tokens,
      allowUnauthenticated: flag("allow-unauthenticated"),
      keepalive,
      connections: {
        ...(maxConnections !== undefined ? { maxConnections } : {}),
        ...(maxConcurrentStreams !== undefined ? { maxConcurrentStreams } : {}),
        ...(maxMetadataKb !== undefined ? { maxHeaderListBytes: maxMetadataKb * 1024 } : {}),
      },
      shutdownGraceMs: optionalInt("shutdown-grace-ms", 0, 24 * 3600 * 1000) ?? DEFAULT_SHUTDOWN_GRACE_MS,
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(modelsDir !== undefined ? { modelsDir } : {}),
      ...(sharedFilesDir !== undefined ? { sharedFilesDir } : {}),
      ...(tls ? { tls } : {}),
      ...(quotaMb !== undefined ? { quotaBytesPerProject: quotaMb * 1024 * 1024 } : {}),
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      ...(metricsHost !== undefined ? { metricsHost } : {}),
      ...(httpPort !== undefined ? { httpPort } : {}),
      ...(httpHost !== undefined ? { httpHost } : {}),
      ...(corsOrigins !== undefined ? { corsOrigins } : {}),
      ...(studioSessionTtlMs !== undefined ? { studioSessionTtlMs } : {}),
      ...(maxStudioSessions !== undefined ? { maxStudioSessions } : {}),
      inference: {
        ...(modelThreads !== undefined ? { modelThreads } : {}),
        ...(inlineMaxRunUs !== undefined ? { inlineMaxRunUs } : {}),
        ...(jobWorkers !== undefined ? { jobWorkers } : {}),
        ...(jobQueueSize !== undefined ? { jobQueueSize } : {}),
        ...(jobRetentionMs !== undefined ? { jobRetentionMs } : {}),
        ...(redisUrl !== undefined ? { jobRedis: { url: redisUrl, ...(redisLockMs !== undefined ? { lockMs: redisLockMs } : {}) } } : {}),
        modelControlMode,
        ...(pollSecs !== undefined ? { repositoryPollMs: pollSecs * 1000 } : {}),
        ...(inferConcurrency !== undefined ? { inferConcurrency } : {}),
        ...(inferQueueSize !== undefined ? { inferQueueSize } : {}),
        ...(decodeBudgetMb !== undefined ? { decodeBudgetBytes: decodeBudgetMb * 1024 * 1024 } : {}),
        ...(helperThreadNice !== undefined ? { helperThreadNice } : {}),
        ...(responseCacheMb !== undefined ? { responseCacheBytes: responseCacheMb * 1024 * 1024 } : {}),
      },
      files: {
        ...(uploadIdleTimeoutMs !== undefined ? { uploadIdleTimeoutMs } : {}),
        ...(maxOpenUploads !== undefined ? { maxOpenUploadsPerProject: maxOpenUploads } : {}),
      },
    },
  };
}
