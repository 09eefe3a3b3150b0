// One read of an origin's `/metrics`: its own credential, no redirects, a
// deadline for headers and body together, and a byte cap. Anything that goes
// wrong is no reading (null), never an error: routing then falls back to the
// region's passive statistics. `fetch` is passed in, as for health probes.
import type { Origin } from "../schemas/admin";
import { parseEngineMetrics, type CounterState, type EngineReading } from "./engine-metrics";

/** A metrics page larger than this is not read at all (vLLM's, histograms included, is tens of KB per model). */
export const MAX_METRICS_BYTES = 1 << 20;
/**
 * Nor one that arrives in more pieces than this: a body dribbled in tiny
 * chunks costs a JavaScript read each (and, already buffered, would hold the
 * event loop past the deadline). Real servers send a page in a few.
 */
export const MAX_METRICS_CHUNKS = 1_024;

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
    const text = await readPage(res);
    return text === null ? null : parseEngineMetrics(text, origin.metrics!.format, previous, Date.now());
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

/** The page's text within the byte and chunk caps, else null. A declared length is read natively in one call. */
async function readPage(res: Response): Promise<string | null> {
  const declared = res.headers.get("content-length");
  if (declared !== null && /^\d{1,15}$/.test(declared)) {
    if (Number(declared) > MAX_METRICS_BYTES) {
      await res.body!.cancel();
      return null;
    }
    return res.text();
  }
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (let chunks = 0; ; chunks++) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > MAX_METRICS_BYTES || chunks >= MAX_METRICS_CHUNKS) {
      void reader.cancel().catch(() => {});
      return null;
    }
    text += decoder.decode(value, { stream: true });
  }
}
