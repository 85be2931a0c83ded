import { readFileSync } from "node:fs";
import type { Server, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import type * as GrpcReflection from "@grpc/reflection";

type PackageDefinition = ConstructorParameters<typeof GrpcReflection.ReflectionService>[0];

/**
 * Splits a serialized google.protobuf.FileDescriptorSet into its FileDescriptorProtos,
 * without decoding them: `repeated FileDescriptorProto file = 1` is the set's only field.
 */
export function splitFileDescriptorSet(set: Uint8Array): Buffer[] {
  const files: Buffer[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= set.length) throw new Error("truncated descriptor set");
      const byte = set[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < set.length) {
    const tag = varint();
    if (tag !== 0x0a) throw new Error(`unexpected field tag ${tag} in descriptor set`);
    const length = varint();
    files.push(Buffer.from(set.subarray(at, at + length)));
    at += length;
  }
  return files;
}

/** Path of buf's descriptor set of the inferd API (imports included). */
export function descriptorSetPath(): string {
  return require.resolve("@inferd/grpc-types/descriptors");
}

/** The one method of each reflection version inferd serves, keyed by its service's full name. */
const REFLECTION_METHODS: Readonly<Record<string, string>> = {
  "grpc.reflection.v1.ServerReflection": "ServerReflectionInfo",
  "grpc.reflection.v1alpha.ServerReflection": "ServerReflectionInfo",
};

/** What @grpc/reflection registers: each service's definition and handlers, by the service's full name. */
type Registered = Map<string, { definition: ServiceDefinition; implementation: UntypedServiceImplementation }>;

/** Builds @grpc/reflection's services over buf's FileDescriptorProtos and returns what it would register. */
function buildReflection(services: readonly string[]): Registered {
  // Loaded here, on first use, not at start-up: see addReflection.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ReflectionService: Reflection } = require("@grpc/reflection") as typeof GrpcReflection;
  const fileDescriptorProtos = splitFileDescriptorSet(readFileSync(descriptorSetPath()));
  const definition = { "inferd.v1": { fileDescriptorProtos } } as unknown as PackageDefinition;
  const registered: Registered = new Map();
  const recorder = {
    addService(service: ServiceDefinition, implementation: UntypedServiceImplementation) {
      const path = Object.values(service)[0]?.path ?? "";
      registered.set(path.slice(1, path.lastIndexOf("/")), { definition: service, implementation });
    },
  };
  new Reflection(definition, { services: [...services] }).addToServer(recorder as unknown as Server);
  return registered;
}

/**
 * Adds grpc.reflection v1 and v1alpha, fed with buf's own FileDescriptorProtos: real file
 * names and imports are kept (unlike @grpc/proto-loader's per-package merge), so strict
 * clients resolve every type, google.protobuf.Timestamp included.
 *
 * The services are built on the first reflection call, not at start-up: loading
 * @grpc/reflection, decoding every descriptor and loading its own reflection.proto twice took
 * ~30% of inferd's main-thread start-up CPU (`pnpm bench startup --cpu-prof`), before any model
 * began loading. What is registered now is a stand-in with the same method paths whose codecs
 * and handler forward to the real ones, built when first needed.
 */
export function addReflection(server: Server, services: readonly string[]): void {
  let registered: Registered | undefined;
  const real = (service: string): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } => {
    registered ??= buildReflection(services);
    const found = registered.get(service);
    if (!found) throw new Error(`@grpc/reflection did not register ${service}`);
    return found;
  };
  for (const [service, method] of Object.entries(REFLECTION_METHODS)) {
    const realMethod = (): ServiceDefinition[string] => real(service).definition[method]!;
    const definition: ServiceDefinition = {
      [method]: {
        path: `/${service}/${method}`,
        requestStream: true,
        responseStream: true,
        requestSerialize: (value: unknown) => realMethod().requestSerialize(value),
        requestDeserialize: (bytes: Buffer) => realMethod().requestDeserialize(bytes),
        responseSerialize: (value: unknown) => realMethod().responseSerialize(value),
        responseDeserialize: (bytes: Buffer) => realMethod().responseDeserialize(bytes),
      },
    };
    const handler = (stream: unknown): void => {
      (real(service).implementation[method] as (stream: unknown) => void)(stream);
    };
    server.addService(definition, { [method]: handler });
  }
}
