import { endianness } from "node:os";
import { invalidArgument } from "../errors";
import { DATATYPES, type NumericArray, type OipDatatype } from "./datatypes";
import { elementCount, type HostTensor } from "./tensor";

// Raw tensor bytes are little-endian on the wire; typed arrays use the host's byte order.
// Every platform Node ships prebuilt onnxruntime for is little-endian; say so instead of
// silently swapping bytes wrong on the rare big-endian host.
if (endianness() !== "LE") throw new Error("inferd's tensor codec needs a little-endian host");

/**
 * Decodes one tensor of `raw_input_contents`: the flattened row-major elements, little-endian,
 * no padding; BYTES elements are each a 4-byte little-endian length and then the bytes. The
 * byte length must be exactly what the shape and datatype call for. `what` names the tensor.
 */
export function decodeRaw(what: string, datatype: OipDatatype, shape: readonly number[], raw: Uint8Array): HostTensor {
  const count = elementCount(shape);
  if (datatype === "BYTES") return { datatype, shape, data: splitBytesElements(what, count, raw) };
  const info = DATATYPES[datatype];
  const expected = count * info.size;
  if (raw.byteLength !== expected) {
    throw invalidArgument(
      `${what}: raw contents are ${raw.byteLength} bytes; shape [${shape.join(",")}] of ${datatype} needs ${expected} (${count} x ${info.size})`,
    );
  }
  const Typed = info.array as NonNullable<typeof info.array>;
  // A view of the received bytes (no copy on the hot path; nothing writes to a received
  // message afterwards) when they sit at an offset aligned for the type and are only part of
  // their buffer; else a copy. A typed array cannot start at an unaligned offset. And a
  // worker-thread session transfers (detaches) a buffer that a tensor spans whole, copying the
  // rest (models/tensor-run.ts): a view of a caller's whole buffer would detach the caller's
  // bytes, so such input is copied into a buffer of its own, which is then transferred free.
  const partial = raw.byteOffset !== 0 || raw.byteLength !== raw.buffer.byteLength;
  const view = partial && raw.byteOffset % info.size === 0;
  const data = view ? new Typed(raw.buffer as ArrayBuffer, raw.byteOffset, count) : new Typed(copyOf(raw), 0, count);
  if (datatype === "BOOL") {
    const bad = (data as Uint8Array).findIndex((b) => b > 1);
    if (bad >= 0) throw invalidArgument(`${what}: BOOL element ${bad} is ${(data as Uint8Array)[bad]}; BOOL bytes must be 0 or 1`);
  }
  return { datatype, shape, data } as HostTensor;
}

function copyOf(raw: Uint8Array): ArrayBuffer {
  const copy = new ArrayBuffer(raw.byteLength);
  new Uint8Array(copy).set(raw);
  return copy;
}

function splitBytesElements(what: string, count: number, raw: Uint8Array): Uint8Array[] {
  const elements: Uint8Array[] = [];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let at = 0;
  while (at < raw.byteLength) {
    if (at + 4 > raw.byteLength) throw invalidArgument(`${what}: BYTES element ${elements.length} is cut off inside its 4-byte length prefix`);
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > raw.byteLength) {
      throw invalidArgument(`${what}: BYTES element ${elements.length} says ${length} bytes but only ${raw.byteLength - at} remain`);
    }
    elements.push(raw.slice(at, at + length));
    at += length;
  }
  if (elements.length !== count) {
    throw invalidArgument(`${what}: raw contents hold ${elements.length} BYTES elements; the shape needs ${count}`);
  }
  return elements;
}

/** Encodes a tensor as one entry of `raw_output_contents` (the format {@link decodeRaw} reads). */
export function encodeRaw(tensor: HostTensor): Buffer {
  if (tensor.datatype === "BYTES") {
    const total = tensor.data.reduce((sum, element) => sum + 4 + element.byteLength, 0);
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const element of tensor.data) {
      out.writeUInt32LE(element.byteLength, at);
      out.set(element, at + 4);
      at += 4 + element.byteLength;
    }
    return out;
  }
  const data: NumericArray = tensor.data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
