/** The generated codecs use Node's `Buffer` for bytes fields (ts-proto env=node): provide it. */
import { Buffer } from "buffer";

export { Buffer };
