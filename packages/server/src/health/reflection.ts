import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Server, ServiceDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionV1Implementation } from "@grpc/reflection/build/src/implementations/reflection-v1";
import { ReflectionV1AlphaImplementation } from "@grpc/reflection/build/src/implementations/reflection-v1alpha";
import { service as healthDefinition } from "grpc-health-check";
import { descriptorsOfDefinition } from "./proto-loader-descriptors";

type PackageDefinition = ConstructorParameters<typeof ReflectionV1Implementation>[0];
type ExtensionNumbers = ReturnType<ReflectionV1Implementation["allExtensionNumbersOfType"]>;

/**
 * Splits a serialized google.protobuf.FileDescriptorSet into its FileDescriptorProtos,
 * without decoding them: `repeated FileDescriptorProto file = 1` is the set's only field.
 * Embedders use it to hand a `buf build -o set.binpb` of their own protos to a module.
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

/** A served gRPC service as reflection sees it (a ServiceModule fits). */
export interface ReflectedService {
  /** Fully qualified name, e.g. "inferd.v1.Files". */
  readonly name: string;
  readonly definition: ServiceDefinition;
  /** Serialized FileDescriptorProtos of its proto files and their imports, if it has them. */
  readonly fileDescriptorProtos?: readonly Uint8Array[];
}

/** The reflection protos (v1 and v1alpha) as @grpc/reflection itself serves them. */
function reflectionServices(): ReflectedService[] {
  const protoDir = join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto");
  return ["v1", "v1alpha"].map((version) => {
    const name = `grpc.reflection.${version}.ServerReflection`;
    const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [protoDir] })[name] as ServiceDefinition;
    return { name, definition };
  });
}

/**
 * grpc.reflection answers AllExtensionNumbersOfType with NOT_FOUND for a message that simply
 * has no extensions; the spec (and grpcurl, buf curl) expect an empty list for a known type.
 */
function allExtensionNumbers(reflection: ReflectionV1Implementation, symbol: string, base: () => ExtensionNumbers): ExtensionNumbers {
  try {
    return base();
  } catch {
    reflection.fileContainingSymbol(symbol); // still NOT_FOUND for a type nobody declared
    return { baseTypeName: symbol, extensionNumber: [] };
  }
}

class ReflectionV1 extends ReflectionV1Implementation {
  override allExtensionNumbersOfType(symbol: string): ExtensionNumbers {
    return allExtensionNumbers(this, symbol, () => super.allExtensionNumbersOfType(symbol));
  }
}

class ReflectionV1Alpha extends ReflectionV1AlphaImplementation {
  override allExtensionNumbersOfType(symbol: string): ExtensionNumbers {
    return allExtensionNumbers(this, symbol, () => super.allExtensionNumbersOfType(symbol));
  }
}

/**
 * Adds grpc.reflection v1 and v1alpha for every service the server serves: the given ones
 * (inferd's, fed with buf's own FileDescriptorProtos so real file names and imports are kept
 * and strict clients resolve google.protobuf.Timestamp; an embedder's, from their
 * `fileDescriptorProtos` or their proto-loader definition), grpc.health.v1.Health and
 * reflection itself. Returns the names of given services that no descriptor declares (the
 * caller logs them): reflection cannot describe those.
 */
export function addReflection(server: Server, services: readonly ReflectedService[]): string[] {
  const builtIn: ReflectedService[] = [{ name: "grpc.health.v1.Health", definition: healthDefinition }, ...reflectionServices()];
  const all = [...services, ...builtIn];
  const fileDescriptorProtos = [
    ...splitFileDescriptorSet(readFileSync(descriptorSetPath())),
    ...all.flatMap((service) => [...(service.fileDescriptorProtos ?? []), ...descriptorsOfDefinition(service.definition)]),
  ];
  const definition = { all: { fileDescriptorProtos } } as unknown as PackageDefinition;
  const options = { services: all.map((service) => service.name) };
  const v1 = new ReflectionV1(definition, options);
  v1.addToServer(server);
  new ReflectionV1Alpha(definition, options).addToServer(server);
  const listed = new Set(v1.listServices("*").service.map((service) => service.name));
  return services.map((service) => service.name).filter((name) => !listed.has(name));
}
