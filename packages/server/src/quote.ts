/** Longest part of a client-supplied value that a status message echoes, in characters. */
export const MAX_QUOTED_CHARS = 200;

/**
 * A client-supplied value as a status message shows it: JSON-quoted (control characters
 * escaped) and cut to {@link MAX_QUOTED_CHARS} characters with an ellipsis. Every message that
 * echoes client input goes through this, so a huge model name or job id cannot make the status
 * (a grpc-message header) outgrow the client's metadata limit and turn NOT_FOUND into
 * RESOURCE_EXHAUSTED on the client side.
 */
export function quote(value: string): string {
  if (value.length <= MAX_QUOTED_CHARS) return JSON.stringify(value);
  // Do not cut a surrogate pair in half.
  let end = MAX_QUOTED_CHARS;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return JSON.stringify(`${value.slice(0, end)}…`);
}
