// Reads GET /admin/v1/regions/:region/stats and waits on it, for the fault
// and load runs (circuits closing again, in-flight estimates draining).

import { AdminClient } from "../../harness/admin-client";

export interface OriginRow {
  origin: string;
  circuit: "closed" | "open" | "half_open";
  error_rate: number;
  requests: number;
  in_flight: number;
}

export async function regionStats(admin: AdminClient, region: string): Promise<OriginRow[]> {
  const res = await admin.call<{ data: OriginRow[] }>("GET", `/regions/${region}/stats`);
  return res.data;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls until `done` holds for the rows or `timeoutMs` passes. Returns the
 * last rows read and how long it took (NaN when it never held).
 */
export async function pollStats(
  admin: AdminClient,
  region: string,
  done: (rows: OriginRow[]) => boolean,
  timeoutMs: number,
  everyMs = 250,
): Promise<{ rows: OriginRow[]; waitedMs: number }> {
  const start = Date.now();
  for (;;) {
    const rows = await regionStats(admin, region);
    if (done(rows)) return { rows, waitedMs: Date.now() - start };
    if (Date.now() - start >= timeoutMs) return { rows, waitedMs: NaN };
    await sleep(everyMs);
  }
}
