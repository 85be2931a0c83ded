/**
 * CRC-64-AVRO, the fingerprint the Avro specification defines for single-object encoding
 * ("Schema Fingerprints"): a Rabin fingerprint over the schema's Parsing Canonical Form.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
  return fp;
});

/** The 8-byte CRC-64-AVRO fingerprint of a canonical schema, little-endian as on the wire. */
export function crc64Avro(canonicalForm: string): Buffer {
  let fp = EMPTY;
  for (const byte of Buffer.from(canonicalForm, "utf8")) {
    fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] ?? 0n);
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp);
  return out;
}
