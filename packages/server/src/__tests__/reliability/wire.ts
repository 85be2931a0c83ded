/**
 * Tiny protobuf wire writers for the suite: fields of messages that have no generated type here
 * (grpc.health.v1, grpc.reflection), and deliberately wrong encodings (bad wire types,
 * truncated lengths) that no generated encoder would write.
 */

/** A base-128 varint. */
export function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

/** A length-delimited field (wire type 2): strings, bytes, sub-messages. */
export function lengthField(field: number, value: string | Uint8Array): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

/** A varint field (wire type 0). */
export function varintField(field: number, value: number | bigint): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

/** grpc.health.v1.HealthCheckRequest { service }. */
export function healthRequest(service: string): Buffer {
  return service === "" ? Buffer.alloc(0) : lengthField(1, service);
}

/** grpc.reflection ServerReflectionRequest with one of its request fields set. */
export const reflection = {
  listServices: (): Buffer => lengthField(7, "*"),
  fileByFilename: (name: string): Buffer => lengthField(3, name),
  fileContainingSymbol: (symbol: string): Buffer => lengthField(4, symbol),
  /** file_containing_extension { containing_type, extension_number }. */
  fileContainingExtension: (type: string, number: number): Buffer =>
    lengthField(5, Buffer.concat([lengthField(1, type), varintField(2, number)])),
  allExtensionNumbers: (type: string): Buffer => lengthField(6, type),
};

/** Malformed protobuf: each one fails to parse as any message. */
export const MALFORMED: ReadonlyArray<readonly [string, Buffer]> = [
  ["truncated varint", Buffer.from([0x08, 0xff])],
  ["length past the end", Buffer.from([0x0a, 0x10, 0x61])],
  ["field number 0", Buffer.from([0x00, 0x01])],
  ["wire type 7", Buffer.from([0x0f, 0x01])],
  ["end-group without start", Buffer.from([0x0c])],
  ["10-byte varint overflow", Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
];
