/**
 * Guards the Avro decoders against array and map block counts larger than the message.
 *
 * avsc allocates `new Array(count)` and reads `count` items for a block count taken from the
 * wire, before it notices the bytes ran out: a 20-byte InitRequest claiming 2^30 image URIs
 * made the server run out of heap and abort (found by the reliability suite). Every item of a
 * block takes at least one byte in the schemas inferd serves, so a count larger than the bytes
 * left cannot be valid; `createAvroCodec` walks the body with the writer schema and refuses it
 * (INVALID_ARGUMENT) before avsc reads anything, in every request and response decode.
 */

/** A schema in the JSON form `Type.schema()` gives: a name, a union (array) or a complex type. */
export type SchemaJson = string | readonly SchemaJson[] | { readonly type: string; readonly name?: string; readonly fields?: ReadonlyArray<{ readonly type: SchemaJson }>; readonly items?: SchemaJson; readonly values?: SchemaJson; readonly size?: number };

class Reader {
  private at: number;
  constructor(
    private readonly bytes: Buffer,
    start: number,
  ) {
    this.at = start;
  }
  left(): number {
    return this.bytes.length - this.at;
  }
  /** A zigzag varint long (the value may lose precision above 2^53, which only makes it larger). */
  long(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.bytes[this.at++];
      if (byte === undefined) throw new RangeError("truncated");
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    throw new RangeError("varint longer than 10 bytes");
  }
  skip(n: number): void {
    if (n < 0 || n > this.left()) throw new RangeError("truncated");
    this.at += n;
  }
}

const FIXED_SIZES: Readonly<Record<string, number>> = { null: 0, boolean: 1, float: 4, double: 8 };

/** Walks one value of `schema`; throws RangeError at a block count the message cannot hold. */
function walk(schema: SchemaJson, reader: Reader, named: Map<string, SchemaJson>): void {
  if (Array.isArray(schema)) {
    const branch = (schema as readonly SchemaJson[])[reader.long()];
    if (branch === undefined) throw new RangeError("union index");
    walk(branch, reader, named);
    return;
  }
  if (typeof schema === "string") {
    const size = FIXED_SIZES[schema];
    if (size !== undefined) return reader.skip(size);
    if (schema === "int" || schema === "long") return void reader.long();
    if (schema === "string" || schema === "bytes") return reader.skip(reader.long());
    const known = named.get(schema);
    if (known === undefined) throw new RangeError(`unknown type ${schema}`);
    return walk(known, reader, named);
  }
  const complex = schema as Exclude<SchemaJson, string | readonly SchemaJson[]>;
  if (complex.name !== undefined) named.set(complex.name, complex);
  switch (complex.type) {
    case "record":
      for (const field of complex.fields ?? []) walk(field.type, reader, named);
      return;
    case "enum":
      return void reader.long();
    case "fixed":
      return reader.skip(complex.size ?? 0);
    case "array":
    case "map":
      for (;;) {
        let count = reader.long();
        if (count === 0) return;
        if (count < 0) {
          count = -count;
          reader.long(); // the block's size in bytes
        }
        if (count > reader.left()) throw new RangeError(`a block of ${count} items in ${reader.left()} bytes`);
        for (let i = 0; i < count; i++) {
          if (complex.type === "map") reader.skip(reader.long());
          walk((complex.type === "map" ? complex.values : complex.items) ?? "null", reader, named);
        }
      }
    default:
      return walk(complex.type, reader, named);
  }
}

/**
 * The block count in `body` that one value of `schema` (the writer schema, in the JSON form
 * `Type.schema()` gives) cannot hold, as a reason to report; undefined when every count fits.
 * Only an impossible block count is reported here; every other fault is avsc's to report.
 */
export function impossibleBlockCount(schema: SchemaJson, body: Buffer): string | undefined {
  try {
    walk(schema, new Reader(body, 0), new Map());
    return undefined;
  } catch (error) {
    return error instanceof RangeError && error.message.startsWith("a block of") ? error.message : undefined;
  }
}
