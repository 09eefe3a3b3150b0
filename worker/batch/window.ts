// How long a batch may run: OpenAI's only window is 24 hours. Tests (and only
// under MERIDIAN_DEV) may ask for a shorter one, to see a batch expire.

export const COMPLETION_WINDOWS: Record<string, number> = { "24h": 24 * 3600_000 };

/** The window in milliseconds, or null when the name is not one. */
export function windowMs(name: unknown): number | null {
  return typeof name === "string" && Object.hasOwn(COMPLETION_WINDOWS, name) ? COMPLETION_WINDOWS[name]! : null;
}

/** A dev-only override (`x-meridian-test-window-ms`): a whole number of ms, 1..24 h; otherwise null. */
export function testWindowMs(header: string | undefined, devMode: boolean): number | null {
  if (!devMode || header === undefined || !/^\d{1,9}$/.test(header)) return null;
  const ms = Number(header);
  return ms >= 1 && ms <= COMPLETION_WINDOWS["24h"]! ? ms : null;
}
