/** Which dropped, picked or pasted files the studio can send, and why not the others. */

/** MIME types the server decodes. */
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;

/** Undefined when `file` can be sent, else the message to show. */
export function rejectFile(file: { readonly name: string; readonly type: string; readonly size: number }): string | undefined {
  if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) {
    const kind = file.type === "" ? "of an unknown type" : `a ${file.type} file`;
    return `“${file.name}” is ${kind}: the studio takes PNG, JPEG or WebP images. Pick another file.`;
  }
  if (file.size === 0) return `“${file.name}” is empty. Pick another file.`;
  return undefined;
}
