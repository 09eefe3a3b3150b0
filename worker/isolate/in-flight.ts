// Requests this isolate has open per origin. Added to the region's estimate so
// an isolate's own burst counts before the next snapshot shows it.
const open = new Map<string, number>();

export const inFlight = {
  get: (origin: string): number => open.get(origin) ?? 0,
  start(origin: string): void {
    open.set(origin, (open.get(origin) ?? 0) + 1);
  },
  end(origin: string): void {
    const n = (open.get(origin) ?? 1) - 1;
    if (n <= 0) open.delete(origin);
    else open.set(origin, n);
  },
  total(): number {
    let n = 0;
    for (const v of open.values()) n += v;
    return n;
  },
};
