// onnxruntime-common's type declarations mention browser types (WebGL, ImageData, ...) for its
// web backends. inferd compiles for Node without the DOM lib and with skipLibCheck off, so
// those names are declared here as opaque types; nothing in inferd uses them. Every project
// that imports onnxruntime-node includes this file (see their tsconfig.json).
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
