import type { Origin } from "../schemas/admin";

/** The last active health check of an origin, as a region's statistics keep it. */
export interface ProbeResult {
  at: number;
  ok: boolean;
  ms: number;
  status?: number;
}

/** vLLM, SGLang, TGI and llama.cpp all answer `GET /health` at the server root. */
export function healthUrl(origin: Pick<Origin, "base_url" | "health_url">): string {
  if (origin.health_url) return origin.health_url;
  return origin.base_url.replace(/\/+$/, "").replace(/\/v1$/, "") + "/health";
}

/** One active health check: 2xx within the timeout is healthy. */
export async function probe(origin: Origin, timeoutMs: number, fetcher: typeof fetch = fetch): Promise<ProbeResult> {
  const at = Date.now();
  const headers = new Headers();
  if (origin.auth) headers.set(origin.auth.header, origin.auth.value);
  try {
    // A redirect is not followed (it would carry the origin's credential elsewhere), and is not healthy.
    const res = await fetcher(healthUrl(origin), { headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { at, ok: res.ok, ms: Date.now() - at, status: res.status };
  } catch {
    return { at, ok: false, ms: Date.now() - at };
  }
}
