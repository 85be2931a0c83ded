import type { Admission } from "../../../inference/admission";
/**
 * The Open Inference Protocol over HTTP/REST (`/v2/...`), on its own port, in front of the
 * same model registry (with its statistics) and ModelInfer as the gRPC service: JSON tensors and the
 * binary tensor data extension. Errors are `{"error": "..."}` with the HTTP status of the
 * gRPC code the same failure has over gRPC.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Metadata, status } from "@grpc/grpc-js";
import type { Registry } from "prom-client";
import type { Authorizer } from "../../../auth/authorizer";
import type { GrpcWebBridge } from "../../../transport/grpc-web/bridge";
import { InferdError, toServiceError } from "../../../errors";
import type { Logger } from "../../../logger";
import type { ModelRegistry } from "../../../engine/model-registry";
import { SERVER_VERSION } from "../../../version";
import { modelConfig, modelMetadata, repositoryIndex } from "../describe";
import { createRepositoryControl } from "../repository-control";
import { createModelInfer } from "../infer";
import { OIP_EXTENSIONS, selectStatistics } from "../service";
import { HEADER_LENGTH, inferResponseBody, parseInferBody } from "./infer-body";
import { configToJson, statisticsToJson } from "./json-describe";
import { toJsonText } from "./json-tensors";

/** HTTP status of each gRPC code a handler can fail with. */
const HTTP_STATUS: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.FAILED_PRECONDITION]: 400,
  [status.OUT_OF_RANGE]: 400,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

/** What {@link serveOipHttp} works with. */
export interface OipHttpOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The engine's model registry (models, readiness, load/unload, statistics). */
  readonly models: ModelRegistry;
  /** Per-version bound on running and waiting model runs, shared with inferd.v1 Infer. */
  readonly admission: Admission;
  readonly auth: Authorizer;
  readonly logger: Logger;
  /** Largest request body, in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** False once the server is shutting down. */
  readonly accepting: () => boolean;
  /** Pixel limit of encoded images sent to image-task models. */
  readonly maxImagePixels?: number | undefined;
  /** gRPC-Web calls (`POST /<service>/<method>`) go to this bridge, everything else is REST. */
  readonly browser?: GrpcWebBridge | undefined;
  /** When set (metrics on), `GET /metrics` serves it as Prometheus text, behind the same auth as /v2. */
  readonly metrics?: Registry | undefined;
}

/** A listening REST endpoint. */
export interface OipHttpEndpoint {
  /** "host:port". */
  readonly address: string;
  close(): Promise<void>;
}

interface Reply {
  readonly status: number;
  readonly body?: Buffer;
  readonly headers?: Record<string, string>;
}

const json = (value: unknown, code = 200): Reply => ({ status: code, body: Buffer.from(toJsonText(value)), headers: { "content-type": "application/json" } });
const flag = (ok: boolean): Reply => ({ status: ok ? 200 : 400 });

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new InferdError("resource-exhausted", `the request body exceeds ${limit} bytes (--max-message-mb)`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Starts the REST endpoint. */
export async function serveOipHttp(options: OipHttpOptions): Promise<OipHttpEndpoint> {
  const { models } = options;
  const infer = createModelInfer({ models, admission: options.admission, maxImagePixels: options.maxImagePixels });
  const repositoryControl = createRepositoryControl(models);
  const ready = (name: string, version: string): boolean => {
    try {
      models.resolve(name, version);
      return options.accepting();
    } catch {
      return false;
    }
  };

  async function model(method: string, name: string, version: string, action: string, request: IncomingMessage): Promise<Reply> {
    if (method === "GET" && action === "") return json(modelMetadata(models.resolve(name, version), models.list().find((m) => m.name === name)));
    if (method === "GET" && action === "ready") return flag(ready(name, version));
    if (method === "GET" && action === "config") return json(configToJson(modelConfig(models.resolve(name, version))));
    if (method === "GET" && action === "stats") return json({ model_stats: selectStatistics(models, name, version).map(statisticsToJson) });
    if (method === "POST" && action === "infer") {
      const body = await readBody(request, options.maxBodyBytes);
      const header = request.headers[HEADER_LENGTH];
      const parsed = parseInferBody(name, version, body, Array.isArray(header) ? header[0] : header);
      const { body: out, headers } = inferResponseBody(await infer(parsed.request), parsed);
      return { status: 200, body: out, headers };
    }
    throw new InferdError("not-found", `no ${method} ${action || "metadata"} endpoint for models; see the OIP REST API`);
  }

  async function route(request: IncomingMessage): Promise<Reply> {
    const method = request.method ?? "GET";
    let path: string;
    try {
      path = decodeURI((request.url ?? "/").split("?")[0] ?? "/").replace(/\/+$/, "");
    } catch {
      throw new InferdError("invalid-argument", "the request path is not valid percent-encoding");
    }
    if (path === "/v2/health/live" && method === "GET") return flag(true);
    if (path === "/v2/health/ready" && method === "GET") return flag(options.accepting() && models.loaded());
    // Everything but the health probes needs the token when auth is on, as over gRPC.
    const metadata = new Metadata();
    const authorization = request.headers["authorization"];
    if (authorization) metadata.set("authorization", authorization);
    options.auth.authenticate(metadata);
    if (path === "/metrics" && method === "GET" && options.metrics) {
      return { status: 200, body: Buffer.from(await options.metrics.metrics()), headers: { "content-type": options.metrics.contentType } };
    }
    // The REST API also speaks the binary tensor data extension.
    if (path === "/v2" && method === "GET") return json({ name: "inferd", version: SERVER_VERSION, extensions: [...OIP_EXTENSIONS, "binary_tensor_data"] });
    if (path === "/v2/models/stats" && method === "GET") return json({ model_stats: selectStatistics(models, "", "").map(statisticsToJson) });
    if (path === "/v2/repository/index" && method === "POST") {
      const body = await readBody(request, options.maxBodyBytes);
      const readyOnly = body.length > 0 && (JSON.parse(body.toString("utf8")) as { ready?: unknown }).ready === true;
      await models.discover();
      return json(repositoryIndex(models.list(), readyOnly));
    }
    const control = /^\/v2\/repository\/models\/([^/]+)\/(load|unload)$/.exec(path);
    if (control && method === "POST") {
      const body = await readBody(request, options.maxBodyBytes);
      const parameters = body.length > 0 ? (JSON.parse(body.toString("utf8")) as { parameters?: unknown }).parameters : undefined;
      const keys = parameters !== null && typeof parameters === "object" ? Object.keys(parameters) : [];
      await (control[2] === "load" ? repositoryControl.load : repositoryControl.unload)(control[1] ?? "", keys);
      return { status: 200 };
    }
    const match = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|config|stats|infer))?$/.exec(path);
    if (match) return model(method, match[1] ?? "", match[2] ?? "", match[3] ?? "", request);
    throw new InferdError("not-found", `no endpoint ${method} ${path}; the Open Inference Protocol's endpoints are under /v2`);
  }

  function reply(response: ServerResponse, r: Reply): void {
    response.writeHead(r.status, { ...(r.headers ?? {}), "content-length": String(r.body?.length ?? 0) });
    response.end(r.body);
  }

  const server = createServer((request, response) => {
    if (options.browser?.handle(request, response)) return;
    route(request).then(
      (r) => reply(response, r),
      (error: unknown) => {
        const mapped = error instanceof SyntaxError ? toServiceError(new InferdError("invalid-argument", "the request body is not valid JSON")) : toServiceError(error);
        if (mapped.cause !== undefined) options.logger.error({ err: mapped.cause, url: request.url }, "OIP REST request failed");
        reply(response, json({ error: mapped.details }, HTTP_STATUS[mapped.code] ?? 500));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    address: options.host.includes(":") ? `[${options.host}]:${port}` : `${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
