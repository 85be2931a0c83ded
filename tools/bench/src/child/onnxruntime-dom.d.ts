// onnxruntime-common's type declarations mention browser types (WebGL, ImageData, ...) for its
// web backends. the bench compiles for Node without the DOM lib and with skipLibCheck off, so
// those names are declared here as opaque types; nothing in the bench uses them (same shim as the server's models/onnxruntime-dom.d.ts).
interface WebGLRenderingContext {
  readonly __webOnly: never;
}
interface WebGLTexture {
  readonly __webOnly: never;
}
interface ImageData {
  readonly __webOnly: never;
}
interface HTMLImageElement {
  readonly __webOnly: never;
}
interface ImageBitmap {
  readonly __webOnly: never;
}
