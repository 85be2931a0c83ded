/** Runs async functions one at a time per key; different keys run concurrently. */
export interface KeyedMutex {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Creates a {@link KeyedMutex}; idle keys hold no memory. */
export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, fn) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
