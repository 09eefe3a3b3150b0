import { describe, expect, it } from "vitest";
import type { Origin } from "../schemas/admin";
import { probe } from "./probe";

const origin = { id: "o", base_url: "http://o.test/v1", auth: { header: "api-key", value: "secret" } } as unknown as Origin;

describe("probe", () => {
  it("does not follow a redirect with the origin's credential, and takes it as unhealthy", async () => {
    const seen: { url: string; redirect: string | undefined }[] = [];
    const fetcher = ((url: string, init: RequestInit) => {
      seen.push({ url, redirect: init.redirect });
      return Promise.resolve(new Response(null, { status: 302, headers: { location: "http://elsewhere.test/" } }));
    }) as typeof fetch;
    const result = await probe(origin, 1000, fetcher);
    expect(result).toMatchObject({ ok: false, status: 302 });
    expect(seen).toEqual([{ url: "http://o.test/health", redirect: "manual" }]);
  });
});
