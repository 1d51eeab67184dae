/**
 * The input form of a decoded message type `T`: every field optional, 64-bit integers as bigint,
 * number or decimal string, singular messages nullable, nested messages in input form too.
 */
export type MessageInit<T> = {
  [K in keyof T]?: InitValue<T[K]> | undefined;
};

/** Input form of one field value (see MessageInit). */
export type InitValue<V> = V extends bigint
  ? bigint | number | string
  : V extends Uint8Array
    ? Uint8Array
    : V extends (infer E)[]
      ? InitValue<E>[]
      : V extends null
        ? null
        : V extends object
          ? MessageInit<V> | (V extends Record<string, infer R> ? Record<string, InitValue<R>> : never)
          : V;
