/**
 * Per-name header work, done once per name: the same few files are downloaded
 * again and again. Bounded (emptied when full), so that a stream of distinct
 * names cannot grow it without end.
 */
const caches = new Set<Map<string, unknown>>();

export function memoize<T>(compute: (key: string) => T, size = 1000): (key: string) => T {
  const cache = new Map<string, T>();
  caches.add(cache);
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      if (cache.size >= size) cache.clear();
      cache.set(key, value);
    }
    return value;
  };
}

/**
 * Internal, for the mutation run only (test/support/mutationHooks.ts): Stryker
 * runs many mutants in one process, and a value cached before a mutant was
 * switched on would hide it.
 */
export function clearMemos(): void {
  for (const cache of caches) cache.clear();
}
