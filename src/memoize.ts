/**
 * Per-name header work, done once per name: the same few files are downloaded
 * again and again. Bounded (emptied when full), so that a stream of distinct
 * names cannot grow it without end.
 */
export function memoize<T>(compute: (key: string) => T, size = 1000): (key: string) => T {
  const cache = new Map<string, T>();
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
