import { status } from "@grpc/grpc-js";
import { Type, type Resolver, type Schema } from "avsc";
import { impossibleBlockCount, type SchemaJson } from "./block-guard";
import { crc64Avro } from "./fingerprint";

/**
 * Avro's single-object encoding marker (specification, "Single-object encoding"): every
 * inferd Avro message is `C3 01`, the writer schema's 8-byte CRC-64-AVRO fingerprint
 * (little-endian), then the Avro binary encoding of the value. The fingerprint names the
 * writer schema, so a reader resolves data written with another version of the schema.
 */
export const SINGLE_OBJECT_MARKER: Buffer = Buffer.from([0xc3, 0x01]);

/** Bytes before the Avro body: the marker and the fingerprint. */
export const SINGLE_OBJECT_HEADER_BYTES = 10;

/**
 * Thrown by {@link AvroCodec.decode}: the bytes are not a valid message of the codec's type.
 * `code` is the gRPC status that fits (INVALID_ARGUMENT for bad bytes, FAILED_PRECONDITION
 * for a writer schema this side cannot read); the message names the schema. `clientFacing`
 * tells the server's decode guard that the message may be sent to the client as it is.
 */
export class AvroDecodeError extends Error {
  override readonly name = "AvroDecodeError";
  readonly clientFacing = true;
  constructor(
    message: string,
    readonly code: status,
  ) {
    super(message);
  }
}

/** Encodes and decodes one record type in single-object encoding, resolving older or newer writers. */
export interface AvroCodec<T> {
  /** Full name of the record, e.g. "inferd.pipeline.v1.InitRequest". */
  readonly name: string;
  /** The reader (and writer) type of this side. */
  readonly type: Type;
  /** CRC-64-AVRO of this side's schema, hex (as on the wire, little-endian byte order). */
  readonly fingerprint: string;
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
  /** Teaches the codec another writer schema (e.g. a newer version published by a peer). */
  addWriterSchema(schema: Schema): void;
}

/** The Parsing Canonical Form of a type (the input of its fingerprint). */
export function canonicalForm(type: Type): string {
  return JSON.stringify(type.schema());
}

/** The hex CRC-64-AVRO fingerprint of a schema, as it appears on the wire. */
export function schemaFingerprint(schema: Schema): string {
  return crc64Avro(canonicalForm(Type.forSchema(schema))).toString("hex");
}

/** A known writer: its resolver (none for this side's own schema) and its schema, for the block-count guard. */
type WriterEntry = { readonly resolver: Resolver | undefined; readonly schema: SchemaJson } | { readonly refused: string };

/**
 * Creates the codec of a record: `schema` is this side's version; `writerSchemas` are the
 * other versions it accepts data from (resolved with Avro's schema resolution rules). A
 * writer version that cannot be resolved is kept and refused with a message naming it.
 */
export function createAvroCodec<T>(schema: Schema, writerSchemas: readonly Schema[] = []): AvroCodec<T> {
  const type = Type.forSchema(schema);
  const name = type.name ?? canonicalForm(type);
  const own = crc64Avro(canonicalForm(type));
  const header = Buffer.concat([SINGLE_OBJECT_MARKER, own]);
  const writers = new Map<string, WriterEntry>([[own.toString("hex"), { resolver: undefined, schema: JSON.parse(canonicalForm(type)) as SchemaJson }]]);

  function addWriterSchema(writerSchema: Schema): void {
    const writer = Type.forSchema(writerSchema);
    const key = crc64Avro(canonicalForm(writer)).toString("hex");
    if (writers.has(key)) return;
    try {
      writers.set(key, { resolver: type.createResolver(writer), schema: JSON.parse(canonicalForm(writer)) as SchemaJson });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      writers.set(key, { refused: `writer schema ${writer.name ?? "?"} (fingerprint ${key}) cannot be resolved to ${name} (fingerprint ${own.toString("hex")}): ${why}` });
    }
  }
  writerSchemas.forEach(addWriterSchema);

  function fail(reason: string, code: status = status.INVALID_ARGUMENT): never {
    throw new AvroDecodeError(reason, code);
  }

  return {
    name,
    type,
    fingerprint: own.toString("hex"),
    encode(value) {
      return Buffer.concat([header, type.toBuffer(value)]);
    },
    decode(bytes) {
      if (bytes.length < SINGLE_OBJECT_HEADER_BYTES || !bytes.subarray(0, 2).equals(SINGLE_OBJECT_MARKER)) {
        fail(`the ${name} message is not Avro single-object encoded (C3 01, 8-byte CRC-64-AVRO fingerprint, body)`);
      }
      const key = bytes.subarray(2, SINGLE_OBJECT_HEADER_BYTES).toString("hex");
      const writer = writers.get(key);
      if (writer === undefined) {
        fail(`the ${name} message was written with schema fingerprint ${key}, which is not a known version of ${name} (known: ${[...writers.keys()].join(", ")}); use a published schema version`, status.FAILED_PRECONDITION);
      }
      if ("refused" in writer) fail(writer.refused, status.FAILED_PRECONDITION);
      const body = bytes.subarray(SINGLE_OBJECT_HEADER_BYTES);
      // Before avsc: it allocates a block's items from the count on the wire (2^30 ran the server out of heap).
      const impossible = impossibleBlockCount(writer.schema, body);
      if (impossible !== undefined) {
        fail(`the ${name} message claims ${impossible}, more than the message can hold (writer schema ${key}); send the records the schema defines`);
      }
      let value: unknown;
      try {
        value = type.fromBuffer(body, writer.resolver);
      } catch (error) {
        fail(`the ${name} message is not valid Avro for its writer schema ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return value as T;
    },
    addWriterSchema,
  };
}
