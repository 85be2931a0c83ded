/**
 * Calls `handler` on Ctrl-C (SIGINT) while a command runs; a second Ctrl-C exits at once
 * with 130. Returns the function that removes the handler.
 */
export function onInterrupt(handler: () => void): () => void {
  let count = 0;
  const listener = (): void => {
    count += 1;
    if (count > 1) process.exit(130);
    handler();
  };
  process.on("SIGINT", listener);
  return () => process.off("SIGINT", listener);
}
