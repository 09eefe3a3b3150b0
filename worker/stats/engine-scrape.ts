// One read of an origin's `/metrics`: its own credential, no redirects, a
// deadline for headers and body together, and a byte cap. Anything that goes
// wrong is no reading (null), never an error: routing then falls back to the
// region's passive statistics. `fetch` is passed in, as for health probes.
import type { Origin } from "../schemas/admin";
import { readBytesCapped } from "../http/read-bytes";
import { parseEngineMetrics, type CounterState, type EngineReading } from "./engine-metrics";

/** A metrics page larger than this is not read at all (vLLM's, histograms included, is tens of KB per model). */
export const MAX_METRICS_BYTES = 1 << 20;

/** Where an origin's metrics are: its path (default `/metrics`) at the base URL's server root, as `/health` is. */
export function metricsUrl(origin: Pick<Origin, "base_url" | "metrics">): string | null {
  if (!origin.metrics) return null;
  return origin.base_url.replace(/\/+$/, "").replace(/\/v1$/, "") + (origin.metrics.path ?? "/metrics");
}

export async function scrapeEngine(origin: Origin, previous: CounterState | null, timeoutMs: number, fetcher: typeof fetch = fetch): Promise<EngineReading | null> {
  const url = metricsUrl(origin);
  if (!url || !origin.metrics) return null;
  const headers = new Headers({ accept: "text/plain" });
  if (origin.auth) headers.set(origin.auth.header, origin.auth.value);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(null);
    }, timeoutMs);
  });
  const read = async (): Promise<EngineReading | null> => {
    // A redirect is not followed: it would carry the origin's credential elsewhere.
    const res = await fetcher(url, { headers, redirect: "manual", signal: controller.signal });
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return null;
    }
    const bytes = await readBytesCapped(res.body, MAX_METRICS_BYTES);
    if (!bytes) return null;
    return parseEngineMetrics(new TextDecoder().decode(bytes), origin.metrics!.format, previous, Date.now());
  };
  try {
    return await Promise.race([read(), deadline]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    controller.abort(); // whatever is still open (a body past its deadline) is let go
  }
}
