import { describe, expect, it } from "vitest";
import type { ApiError } from "../http/errors";
import { forward } from "./retry";
import { encoder, fleet, json, of, plan, slowOrigin, streamed, target } from "./forward-fixtures";

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
