// Meridian's regions, by name: the Durable Object location hints. A leaf, so the
// wire schemas can name them without importing routing (routing/regions.ts
// keeps where they are and how a request finds its own).
export const REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type Region = (typeof REGIONS)[number];

export function isRegion(value: string): value is Region {
  return (REGIONS as readonly string[]).includes(value);
}
