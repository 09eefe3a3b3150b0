import { describe, expect, it } from "vitest";
import type { ApiError } from "../http/errors";
import type { Candidate } from "../routing/candidates";
import type { Observation } from "../stats/observation";
import { forward, type ForwardPlan, type Target } from "./forward";

// Hedge races against fake origins: "slow" answers only when the test says so
// (or never), "fast" at once. No timing asserts: every wait is on a promise.
const encoder = new TextEncoder();
const CHUNK = encoder.encode('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n');
const DONE = encoder.encode("data: [DONE]\n\n");

function target(id: string, hedgeAfterMs: number | null): Target {
  const origin = { id, base_url: `http://${id}.test/v1`, auth: null } as unknown as Candidate["origin"];
  return { candidate: { origin, model: "m", upstreamModel: "m", distanceKm: 0, score: 0 }, hedgeAfterMs, tpotMs: null };
}

function plan(stream: boolean, overrides: Partial<ForwardPlan> = {}) {
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
function slowOrigin(gate: Promise<void> | null, answer: () => Response) {
  return (init: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      init.signal!.addEventListener("abort", () => reject(init.signal!.reason));
      void gate?.then(() => resolve(answer()));
    });
}

function streamed(onCancel?: () => void, end = true): Response {
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

const json = () => Response.json({ choices: [], usage: { completion_tokens: 3 } });

function fleet(slow: (init: RequestInit) => Promise<Response>, fast: () => Response): typeof fetch {
  return ((url: string, init: RequestInit) => (url.startsWith("http://slow.") ? slow(init) : Promise.resolve(fast()))) as typeof fetch;
}

const of = (observations: Observation[], origin: string) => observations.filter((o) => o.origin === origin);

describe("forward: the loser of a hedge race", () => {
  it("is watched to its TTFT limit when streamed, so a hang is a timeout failure", async () => {
    const { p, observations, settled } = plan(true);
    const res = await forward(p, fleet(slowOrigin(null, streamed), streamed));
    expect(res.target.candidate.origin.id).toBe("fast");
    expect(res.hedged).toBe(true);
    expect(res.attempts.find((a) => a.origin === "slow")!.outcome).toBe("cancelled");
    await res.response.text();
    await settled();
    expect(of(observations, "slow")).toEqual([expect.objectContaining({ ok: false })]);
  });

  it("records a streamed loser that answers within its limit as an honest success, and closes it unread", async () => {
    let answer!: () => void;
    const gate = new Promise<void>((r) => (answer = r));
    let closed = false;
    const { p, observations, settled } = plan(true, { ttftTimeoutMs: 10_000 });
    const res = await forward(p, fleet(slowOrigin(gate, () => streamed(() => (closed = true), false)), streamed));
    expect(res.target.candidate.origin.id).toBe("fast");
    await res.response.text();
    answer();
    await settled();
    const [obs, ...more] = of(observations, "slow");
    expect(more).toEqual([]);
    expect(obs).toMatchObject({ ok: true });
    expect(obs!.censored).toBeUndefined();
    expect(obs!.ttftMs).toBeGreaterThan(0);
    expect(closed).toBe(true);
  });

  it("aborts a non-streamed loser at once: a censored sample that says nothing about health", async () => {
    const { p, observations, settled } = plan(false);
    const res = await forward(p, fleet(slowOrigin(null, json), json));
    expect(res.target.candidate.origin.id).toBe("fast");
    await settled();
    expect(of(observations, "slow")).toEqual([expect.objectContaining({ ok: true, censored: true })]);
  });

  it("aborts a streamed loser whose limit lies beyond what waitUntil allows", async () => {
    const { p, observations, settled } = plan(true, { ttftTimeoutMs: 60_000, deadline: Date.now() + 120_000 });
    const res = await forward(p, fleet(slowOrigin(null, streamed), streamed));
    await res.response.text();
    await settled();
    expect(of(observations, "slow")).toEqual([expect.objectContaining({ ok: true, censored: true })]);
  });
});

describe("forward: only what an origin did counts against it", () => {
  it("records a limit tighter than the operator's running out as censored, not as the origin's failure", async () => {
    const { p, observations } = plan(false, { targets: [target("slow", null)], attemptTimeoutMs: 5, healthLimits: { ttftTimeoutMs: 150, attemptTimeoutMs: 150 } });
    await expect(forward(p, fleet(slowOrigin(null, json), json))).rejects.toMatchObject({ status: 504 });
    expect(of(observations, "slow")).toEqual([expect.objectContaining({ ok: true, censored: true })]);
  });

  it("still fails an origin that runs out of the operator's limit", async () => {
    const { p, observations } = plan(false, { targets: [target("slow", null)] });
    await expect(forward(p, fleet(slowOrigin(null, json), json))).rejects.toMatchObject({ status: 504 });
    expect(of(observations, "slow")).toEqual([expect.objectContaining({ ok: false })]);
  });

  it("moves on without judging the origin when the router itself throws inside an attempt", async () => {
    const broken = target("broken", null);
    (broken.candidate.origin as { auth: unknown }).auth = { header: "not a header name", value: "x" };
    const { p, observations } = plan(false, { targets: [broken, target("fast", null)] });
    const res = await forward(p, fleet(slowOrigin(null, json), json));
    expect(res.target.candidate.origin.id).toBe("fast");
    expect(res.attempts[0]).toMatchObject({ origin: "broken", outcome: "internal_error" });
    expect(of(observations, "broken")).toEqual([]);
  });
});

describe("forward: an origin's 4xx", () => {
  const answers = (byOrigin: Record<string, () => Response>): typeof fetch =>
    ((url: string) => Promise.resolve(byOrigin[new URL(url).hostname.split(".")[0]!]!())) as typeof fetch;
  const two = () => plan(false, { targets: [target("first", null), target("second", null)] });

  it("about the origin (401, 403, 404, 408) fails over and counts against it", async () => {
    for (const status of [401, 403, 404, 408]) {
      const { p, observations } = two();
      const res = await forward(p, answers({ first: () => Response.json({ error: { message: "Incorrect API key provided: sk-up***" } }, { status }), second: json }));
      expect(res.target.candidate.origin.id, String(status)).toBe("second");
      expect(of(observations, "first")).toEqual([expect.objectContaining({ ok: false, status })]);
    }
  });

  it("about the origin, from every origin, is a 502 that carries none of their text", async () => {
    const { p } = two();
    const refuse = () => new Response("Incorrect API key provided: sk-upstream-secret", { status: 401 });
    const err = (await forward(p, answers({ first: refuse, second: refuse })).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(502);
    expect(JSON.stringify(err.body())).not.toContain("sk-upstream");
  });

  it("413 fails over without counting against the origin; from every origin it is the client's 413", async () => {
    const { p, observations } = two();
    const res = await forward(p, answers({ first: () => new Response("too big", { status: 413 }), second: json }));
    expect(res.target.candidate.origin.id).toBe("second");
    expect(of(observations, "first")).toEqual([]);
    const all = two();
    const err = (await forward(all.p, answers({ first: () => new Response("", { status: 413 }), second: () => new Response("", { status: 413 }) })).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(413);
  });

  it("about the request (400, 422) reaches the client in the OpenAI shape with only message, code and param", async () => {
    const { p, observations } = two();
    const body = { error: { message: "context too long\r\n\u0000by 12 tokens", type: "BadRequestError", code: "context_length_exceeded", param: "messages", internal: "/srv/vllm/secret" }, trace: "x" };
    const res = await forward(p, answers({ first: () => Response.json(body, { status: 400 }), second: json }));
    expect(res.target.candidate.origin.id).toBe("first");
    expect(res.response.status).toBe(400);
    expect(await res.response.json()).toEqual({ error: { message: "context too long by 12 tokens", type: "invalid_request_error", code: "context_length_exceeded", param: "messages" } });
    expect(of(observations, "first")).toEqual([expect.objectContaining({ ok: true, status: 400 })]);
    const html = two();
    const page = await forward(html.p, answers({ first: () => new Response("<html>bad</html>", { status: 422 }), second: json }));
    expect(await page.response.json()).toMatchObject({ error: { type: "invalid_request_error", code: "upstream_rejected" } });
  });
});

describe("forward: an endless non-streamed answer", () => {
  it("is read only up to the cap, then ends the request with a clean 502, without judging the origin", async () => {
    let pulled = 0;
    const endlessJson = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            pulled++;
            c.enqueue(encoder.encode(pulled === 1 ? '{"choices":[{"text":"' : "x".repeat(1024 * 1024)));
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    const { p, observations } = plan(false, { targets: [target("endless", null), target("fast", null)] });
    const err = (await forward(p, ((url: string) => Promise.resolve(url.startsWith("http://endless.") ? endlessJson() : json())) as typeof fetch).catch((e: unknown) => e)) as ApiError;
    expect([err.status, err.code]).toEqual([502, "upstream_response_too_large"]);
    expect(observations).toEqual([]);
    expect(pulled).toBeLessThan(20);
  });
});

describe("forward: what origins hear", () => {
  it("sends the tenant's cache salt only to origins that take one, and our request id", async () => {
    const salted = target("salted", null);
    (salted.candidate.origin as { cache_salt?: boolean }).cache_salt = true;
    const sent: { origin: string; body: Record<string, unknown>; requestId: string | null }[] = [];
    const capture = ((url: string, init: RequestInit) => {
      sent.push({ origin: new URL(url).hostname.split(".")[0]!, body: JSON.parse(init.body as string) as Record<string, unknown>, requestId: new Headers(init.headers).get("x-request-id") });
      return Promise.resolve(new Response("", { status: 500 }));
    }) as typeof fetch;
    const { p } = plan(false, { targets: [salted, target("plain", null)], body: { model: "m", cache_salt: "client-chosen" }, cacheSalt: "tenant-salt", requestId: "ours" });
    await forward(p, capture).catch(() => {});
    expect(sent).toEqual([
      { origin: "salted", body: { model: "m", cache_salt: "tenant-salt" }, requestId: "ours" },
      { origin: "plain", body: { model: "m" }, requestId: "ours" },
    ]);
  });
});

describe("forward: a stream cut at a size limit", () => {
  it("ends with stream_too_large and is not counted as the origin's failure (a request can ask for that much)", async () => {
    const endlessLine = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(encoder.encode('data: {"type":"response.completed","response":{"instructions":"'));
          },
          pull(c) {
            c.enqueue(encoder.encode("x".repeat(256 * 1024)));
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    const { p, observations, settled } = plan(true, { targets: [target("big", null)], expectDone: false });
    const res = await forward(p, (() => Promise.resolve(endlessLine())) as unknown as typeof fetch);
    expect(await res.response.text()).toContain('"code":"stream_too_large"');
    await settled();
    expect(of(observations, "big")).toEqual([expect.objectContaining({ ok: true })]);
  });
});

describe("forward: answers that are not answers", () => {
  it("a redirect is not followed and a 2xx other than 200 is not relayed: both count against the origin and fail over", async () => {
    for (const odd of [() => new Response(null, { status: 307, headers: { location: "http://elsewhere.test/steal" } }), () => new Response("{}", { status: 202 })]) {
      const redirects: (string | undefined)[] = [];
      const { p, observations } = plan(false, { targets: [target("odd", null), target("fast", null)] });
      const res = await forward(p, ((url: string, init: RequestInit) => {
        redirects.push(init.redirect);
        return Promise.resolve(url.startsWith("http://odd.") ? odd() : json());
      }) as typeof fetch);
      expect(res.target.candidate.origin.id).toBe("fast");
      expect(redirects).toEqual(["manual", "manual"]);
      expect(of(observations, "odd")).toEqual([expect.objectContaining({ ok: false })]);
    }
  });

  it("a 200 whose body is an error object, or no answer at all, counts against the origin and none of its text is relayed", async () => {
    const bodies = ['{"error":{"message":"invalid api key sk-upstream-secret"}}', "[1,2]", '"text"', "{}", '{"id":"x"}'];
    for (const body of bodies) {
      const { p, observations } = plan(false, { targets: [target("odd", null), target("fast", null)] });
      const res = await forward(p, ((url: string) => Promise.resolve(url.startsWith("http://odd.") ? new Response(body, { status: 200 }) : json())) as typeof fetch);
      expect(res.target.candidate.origin.id, body).toBe("fast");
      expect(await res.response.text(), body).not.toContain("sk-upstream-secret");
      expect(of(observations, "odd"), body).toEqual([expect.objectContaining({ ok: false })]);
    }
  });

  it("a streamed request answered in another format (JSON, HTML) counts against the origin and is not relayed", async () => {
    for (const type of ["application/json", "text/html"]) {
      const { p, observations } = plan(true, { targets: [target("odd", null), target("fast", null)] });
      const res = await forward(p, ((url: string) => Promise.resolve(url.startsWith("http://odd.") ? new Response('{"choices":[]}', { headers: { "content-type": type } }) : streamed())) as typeof fetch);
      expect(res.target.candidate.origin.id, type).toBe("fast");
      expect(res.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(await res.response.text()).toContain("[DONE]");
      expect(of(observations, "odd"), type).toEqual([expect.objectContaining({ ok: false })]);
    }
  });
});
