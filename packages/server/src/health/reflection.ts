import { readFileSync } from "node:fs";
import type { Server } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";

type PackageDefinition = ConstructorParameters<typeof ReflectionService>[0];

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

/**
 * Adds grpc.reflection v1 and v1alpha, fed with buf's own FileDescriptorProtos: real file
 * names and imports are kept (unlike @grpc/proto-loader's per-package merge), so strict
 * clients resolve every type, google.protobuf.Timestamp included.
 */
export function addReflection(server: Server, services: readonly string[]): void {
  const fileDescriptorProtos = splitFileDescriptorSet(readFileSync(descriptorSetPath()));
  const definition = { "inferd.v1": { fileDescriptorProtos } } as unknown as PackageDefinition;
  new ReflectionService(definition, { services: [...services] }).addToServer(server);
}
