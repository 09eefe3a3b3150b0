// What every fuzz file needs: a request straight through the worker's fetch
// handler with the real bindings (waiting for its background work), and the
// invariants every generated case must keep:
// - never a 5xx, except 502/503/504 on the routes that call an origin;
// - every error in the OpenAI shape {error:{message,type,code}};
// - nothing reaches app.onError as an unexpected exception.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { app } from "../../worker/app";

export const ORIGIN_ROUTES = new Set(["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses"]);

export function fuzzHarness() {
  let cases = 0;
  const consoleError = vi.spyOn(console, "error");

  /**
   * One request through the worker's own fetch handler, waiting for its
   * background work too. Not `exports.default.fetch`: in this test pool each
   * call through it costs more than the last (0.7 s per 100 requests, then
   * 1.7 s, then 3.9 s), which caps a run at hundreds.
   */
  async function send(method: string, path: string, body: string | Uint8Array | undefined, headers: Record<string, string>): Promise<Response> {
    cases++;
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`http://meridian.test${path}`, { method, headers, body: method === "GET" ? undefined : body }), env, ctx);
    const text = await res.text();
    await waitOnExecutionContext(ctx);
    return new Response(text, res);
  }

  /** The invariants every generated case must keep. */
  async function expectHandled(res: Response, path: string, what: string): Promise<void> {
    const upstream = ORIGIN_ROUTES.has(path) && [502, 503, 504].includes(res.status);
    if (res.status >= 500 && !upstream) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    if (res.status >= 400) {
      const text = await res.text();
      let error: { message?: unknown; type?: unknown; code?: unknown } | undefined;
      try {
        error = (JSON.parse(text) as { error?: typeof error }).error;
      } catch {
        throw new Error(`${what}: ${res.status} is not JSON: ${text.slice(0, 200)}`);
      }
      if (typeof error?.message !== "string" || typeof error.type !== "string" || typeof error.code !== "string") {
        throw new Error(`${what}: ${res.status} is not in the OpenAI error shape: ${text.slice(0, 200)}`);
      }
    } else {
      await res.body?.cancel();
    }
    const unexpected = consoleError.mock.calls.find((call) => String(call[0]).startsWith("unhandled error"));
    if (unexpected) throw new Error(`${what}: uncaught exception ${String(unexpected[1]).slice(0, 400)}`);
  }

  return { send, expectHandled, cases: () => cases, restore: () => consoleError.mockRestore() };
}
