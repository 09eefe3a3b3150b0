// Lookups keyed by names from outside (a request's model, a metadata key, an
// origin id, a pool): a plain object also answers for the keys every object
// inherits (`constructor`, `toString`, `__proto__`, …), so only its own
// properties may count.

/** The record's own value for `key`, never an inherited one. */
export function own<T>(record: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return record != null && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether the record itself has `key` (the `in` operator also sees inherited keys). */
export function hasOwn(record: object | null | undefined, key: string): boolean {
  return record != null && Object.hasOwn(record, key);
}

/** Sets the record's own `key`, even `__proto__` (plain assignment would replace the prototype instead). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
