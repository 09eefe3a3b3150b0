import { describe, expect, it } from "vitest";
import type { ApiError } from "../http/errors";
import { forward } from "./retry";
import { json, of, plan, target } from "./forward-fixtures";

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
