import { fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  type DescriptorProto,
} from "@bufbuild/protobuf/wkt";
import type { ServiceDefinition } from "@grpc/grpc-js";

/** protoc's name of a map field's entry message: `statuses` → `StatusesEntry`. */
function mapEntryName(fieldName: string): string {
  const camel = fieldName.replace(/_+([a-zA-Z0-9])/g, (_match, next: string) => next.toUpperCase());
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

/** Renames a message's map entries (and nested messages' ones) the way protoc names them. */
function renameMapEntries(message: DescriptorProto): boolean {
  let changed = false;
  for (const field of message.field) {
    if (field.label !== FieldDescriptorProto_Label.REPEATED || field.type !== FieldDescriptorProto_Type.MESSAGE) continue;
    const segments = field.typeName.split(".");
    const last = segments.at(-1);
    const entry = message.nestedType.find((nested) => nested.name === last && nested.options?.mapEntry === true);
    const expected = mapEntryName(field.name);
    if (!entry || entry.name === expected) continue;
    entry.name = expected;
    field.typeName = [...segments.slice(0, -1), expected].join(".");
    changed = true;
  }
  for (const nested of message.nestedType) changed = renameMapEntries(nested) || changed;
  return changed;
}

/**
 * Makes a FileDescriptorProto written by protobufjs (through @grpc/proto-loader) acceptable to
 * strict reflection clients. protobufjs names a map field's entry message after the field
 * (`Statuses`), where protoc and the Go and C++ descriptor builders require `StatusesEntry`;
 * buf curl then rejects the whole file ("failed to find service ... in schema").
 */
export function normalizeProtoLoaderDescriptor(bytes: Uint8Array): Uint8Array {
  const file = fromBinary(FileDescriptorProtoSchema, bytes);
  let changed = false;
  for (const message of file.messageType) changed = renameMapEntries(message) || changed;
  return changed ? toBinary(FileDescriptorProtoSchema, file) : bytes;
}

/**
 * The FileDescriptorProtos that @grpc/proto-loader attaches to each method's message types
 * (normalized, see above); empty for definitions made otherwise (ts-proto, by hand). This is
 * how services loaded with proto-loader (grpc-health-check's, reflection's own, an embedder's)
 * describe themselves.
 */
export function descriptorsOfDefinition(definition: ServiceDefinition): Uint8Array[] {
  const out: Uint8Array[] = [];
  // proto-loader's MethodDefinition extends grpc-js's with requestType/responseType.
  for (const method of Object.values(definition) as Array<{ requestType?: unknown; responseType?: unknown }>) {
    for (const type of [method.requestType, method.responseType]) {
      const protos = (type as { fileDescriptorProtos?: unknown } | undefined)?.fileDescriptorProtos;
      if (Array.isArray(protos)) out.push(...(protos as Uint8Array[]).map(normalizeProtoLoaderDescriptor));
    }
  }
  return out;
}
