// Fake origins and plans for the forwarder's tests (attempt, hedge and retry).
import type { Candidate } from "../routing/candidates";
import type { Observation } from "../stats/observation";
import type { Target } from "./attempt";
import type { ForwardPlan } from "./retry";

// Hedge races against fake origins: "slow" answers only when the test says so
// (or never), "fast" at once. No timing asserts: every wait is on a promise.
export const encoder = new TextEncoder();
const CHUNK = encoder.encode('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n');
const DONE = encoder.encode("data: [DONE]\n\n");

export function target(id: string, hedgeAfterMs: number | null): Target {
  const origin = { id, base_url: `http://${id}.test/v1`, auth: null } as unknown as Candidate["origin"];
  return { candidate: { origin, model: "m", upstreamModel: "m", distanceKm: 0, score: 0 }, hedgeAfterMs, tpotMs: null };
}

export function plan(stream: boolean, overrides: Partial<ForwardPlan> = {}) {
  const observations: Observation[] = [];
  const waits: Promise<unknown>[] = [];
  const p: ForwardPlan = {
    targets: [target("slow", 5), target("fast", null)],
    path: "/chat/completions",
    body: {},
    stream,
    expectDone: true,
    requestId: "req",
    maxAttempts: 2,
    ttftTimeoutMs: 150,
    attemptTimeoutMs: 150,
    healthLimits: { ttftTimeoutMs: 150, attemptTimeoutMs: 150 },
    deadline: Date.now() + 10_000,
    mayHedge: () => true,
    observe: (o) => observations.push(o),
    waitUntil: (w) => waits.push(w),
    ...overrides,
  };
  return { p, observations, settled: () => Promise.all(waits) };
}

/** Until aborted, or answered with `answer()` once `gate` resolves. */
export function slowOrigin(gate: Promise<void> | null, answer: () => Response) {
  return (init: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      init.signal!.addEventListener("abort", () => reject(init.signal!.reason));
      void gate?.then(() => resolve(answer()));
    });
}

export function streamed(onCancel?: () => void, end = true): Response {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(CHUNK);
      if (end) {
        c.enqueue(DONE);
        c.close();
      }
    },
    cancel: onCancel,
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

export const json = () => Response.json({ choices: [], usage: { completion_tokens: 3 } });

export function fleet(slow: (init: RequestInit) => Promise<Response>, fast: () => Response): typeof fetch {
  return ((url: string, init: RequestInit) => (url.startsWith("http://slow.") ? slow(init) : Promise.resolve(fast()))) as typeof fetch;
}

export const of = (observations: Observation[], origin: string) => observations.filter((o) => o.origin === origin);
