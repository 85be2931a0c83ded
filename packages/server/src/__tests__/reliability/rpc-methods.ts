import { PipelineService } from "@inferd/grpc-types/avro";
import { GRPCInferenceServiceService } from "@inferd/grpc-types/inference";
import { DiagnosticsService, FilesService, InferenceService } from "@inferd/grpc-types/v1";
import type { CallKind } from "./raw-client";

/** One RPC of the server: its path and how it streams. */
export interface RpcMethod {
  readonly path: string;
  readonly kind: CallKind;
}

function kindOf(definition: { requestStream: boolean; responseStream: boolean }): CallKind {
  if (definition.requestStream) return definition.responseStream ? "bidi" : "client";
  return definition.responseStream ? "server" : "unary";
}

function methodsOf(service: Record<string, { path: string; requestStream: boolean; responseStream: boolean }>): RpcMethod[] {
  return Object.values(service).map((definition) => ({ path: definition.path, kind: kindOf(definition) }));
}

/** Every inferd.v1 RPC, taken from the generated definitions so a new RPC is covered at once. */
export const INFERD_METHODS: readonly RpcMethod[] = [...methodsOf(FilesService), ...methodsOf(InferenceService), ...methodsOf(DiagnosticsService)];

/** Every Open Inference Protocol RPC (inference.GRPCInferenceService), from its generated definition. */
export const OIP_METHODS: readonly RpcMethod[] = methodsOf(GRPCInferenceServiceService);

/** Every inferd.avro.Pipeline RPC (Avro single-object encoded), from its generated definition. */
export const AVRO_METHODS: readonly RpcMethod[] = methodsOf(PipelineService);

/** The public services the server adds beside inferd.v1: health and both reflection versions. */
export const PUBLIC_METHODS: readonly RpcMethod[] = [
  { path: "/grpc.health.v1.Health/Check", kind: "unary" },
  { path: "/grpc.health.v1.Health/Watch", kind: "server" },
  { path: "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", kind: "bidi" },
  { path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", kind: "bidi" },
];

/** Every RPC the server answers. */
export const ALL_METHODS: readonly RpcMethod[] = [...INFERD_METHODS, ...OIP_METHODS, ...AVRO_METHODS, ...PUBLIC_METHODS];

/** The method with this path; throws when there is none (a renamed RPC must fail loudly). */
export function method(path: string): RpcMethod {
  const found = ALL_METHODS.find((m) => m.path === path);
  if (!found) throw new Error(`no RPC ${path}`);
  return found;
}

/** A short readable name of a method: "Upload", "OIP/ModelInfer", "Avro/Init", "Health/Check", "Reflection v1alpha". */
export function label(path: string): string {
  const [, service = "", name = ""] = path.split("/");
  if (service.startsWith("inferd.v1.")) return name;
  if (service === "inference.GRPCInferenceService") return `OIP/${name}`;
  if (service === "inferd.avro.Pipeline") return `Avro/${name}`;
  if (service === "grpc.health.v1.Health") return `Health/${name}`;
  return service.includes("v1alpha") ? "Reflection v1alpha" : "Reflection";
}
