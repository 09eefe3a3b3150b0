// What changes between two JSON documents, field by field: the `rules diff`
// read-out and the summary `rules push` prints.

export interface Change {
  /** As the API names fields in errors: `aliases.fast.targets[0].model`. */
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects compare key by key (order does not matter), arrays index by index, the rest by value. */
export function diff(before: unknown, after: unknown, path = ""): Change[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    return keys.flatMap((k) => child(before, after, k, path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, i) => child(before, after, i, `${path}[${i}]`)).flat();
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, kind: "changed", before, after }];
}

function child(before: object, after: object, key: string | number, path: string): Change[] {
  // An undefined field is an absent one, as in JSON.
  const b = (before as Record<string | number, unknown>)[key];
  const a = (after as Record<string | number, unknown>)[key];
  const had = b !== undefined;
  const has = a !== undefined;
  if (!had && !has) return [];
  if (had && !has) return [{ path, kind: "removed", before: b }];
  if (!had && has) return [{ path, kind: "added", after: a }];
  return diff(b, a, path);
}

/** One line per change: `+ path: value`, `- path: value`, `~ path: before -> after`. */
export function renderDiff(changes: readonly Change[]): string {
  if (changes.length === 0) return "no changes";
  const show = (v: unknown) => JSON.stringify(v);
  return changes
    .map((c) => {
      const path = c.path || "(document)";
      if (c.kind === "added") return `+ ${path}: ${show(c.after)}`;
      if (c.kind === "removed") return `- ${path}: ${show(c.before)}`;
      return `~ ${path}: ${show(c.before)} -> ${show(c.after)}`;
    })
    .join("\n");
}
