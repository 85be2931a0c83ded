import { connect as connectTcp, type Socket } from "node:net";
import { connect, type IncomingHttpHeaders } from "node:http2";
import { Duplex } from "node:stream";

const PREFACE_BYTES = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const FRAME_HEADER_BYTES = 9;
const HEADERS = 0x1;
const END_STREAM = 0x1;
const END_HEADERS = 0x4;

function stringLiteral(text: string): Buffer {
  const bytes = Buffer.from(text, "latin1");
  const length: number[] = [];
  if (bytes.length < 127) length.push(bytes.length);
  else {
    length.push(127);
    let rest = bytes.length - 127;
    while (rest >= 128) {
      length.push((rest % 128) + 128);
      rest = Math.floor(rest / 128);
    }
    length.push(rest);
  }
  return Buffer.concat([Buffer.from(length), bytes]);
}

/** An HPACK block of literal fields without indexing, new names, no Huffman (RFC 7541 6.2.2). */
function headerBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), stringLiteral(name), stringLiteral(value)]));
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/**
 * A connection for node:http2's client that replaces the HEADERS frame of its first request
 * with one written by hand, so a test can send what Node's client refuses to (two
 * `authorization` fields, say) and still read the answer through Node's own parser.
 */
function rewritingConnection(socket: Socket, fields: ReadonlyArray<readonly [string, string]>): Duplex {
  let pending = Buffer.alloc(0);
  let prefaceLeft = PREFACE_BYTES;
  let replaced = false;
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      pending = Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      if (prefaceLeft > 0) {
        const take = Math.min(prefaceLeft, pending.length);
        out.push(pending.subarray(0, take));
        pending = pending.subarray(take);
        prefaceLeft -= take;
      }
      while (prefaceLeft === 0 && pending.length >= FRAME_HEADER_BYTES) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < FRAME_HEADER_BYTES + length) break;
        const whole = pending.subarray(0, FRAME_HEADER_BYTES + length);
        pending = pending.subarray(FRAME_HEADER_BYTES + length);
        const streamId = whole.readUInt32BE(5) & 0x7fffffff;
        if (whole[3] === HEADERS && !replaced) {
          replaced = true;
          out.push(frame(HEADERS, END_HEADERS | ((whole[4] ?? 0) & END_STREAM), streamId, headerBlock(fields)));
        } else {
          out.push(whole);
        }
      }
      if (out.length > 0) socket.write(Buffer.concat(out), callback);
      else callback();
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (data: Buffer) => duplex.push(data));
  socket.on("end", () => duplex.push(null));
  socket.on("error", (error) => duplex.destroy(error));
  return duplex;
}

/** A gRPC message frame: flag byte, 4-byte length, bytes. */
export function grpcMessage(bytes: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([head, bytes]);
}

/**
 * Makes one unary gRPC call to `127.0.0.1:port` whose request header block is exactly
 * `fields` (pseudo-headers included, in order, duplicates kept), and resolves with the
 * grpc-status the server answered.
 */
export function unaryWithRawHeaders(port: number, fields: ReadonlyArray<readonly [string, string]>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, "127.0.0.1");
    const session = connect(`http://127.0.0.1:${port}`, { createConnection: () => rewritingConnection(socket, fields) });
    session.on("error", reject);
    let statusHeader: string | undefined;
    const take = (headers: IncomingHttpHeaders): void => {
      const value = headers["grpc-status"];
      if (typeof value === "string") statusHeader = value;
    };
    // Node's own header block for this request is dropped on the wire; only `fields` are sent.
    const request = session.request({ ":method": "POST", ":path": "/", "content-type": "application/grpc" });
    request.on("response", take);
    request.on("trailers", take);
    request.on("data", () => undefined);
    request.on("error", reject);
    request.on("close", () => {
      session.close();
      if (statusHeader === undefined) reject(new Error("the server answered without a grpc-status"));
      else resolve(Number(statusHeader));
    });
    request.end(body);
  });
}
