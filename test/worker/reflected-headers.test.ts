import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, request, userMessage } from "./helpers";

// Every header Meridian sets from text someone else chose (pins, models, rule
// names, classes) is either refused on input with a 400 or written safely:
// never a throw after the origin answered (a 500 for work already done).
let key: string;

beforeAll(async () => {
  await registerOrigin("reflect-a", "healthy", { models: { "reflect-m": "llama-8b" } });
  key = (await newTenant()).key;
}, 30_000);

const hostilePins = ["reflect-a\r\nx-evil: 1", "reflect-a\n", "reflect-a\u0000", "r\u00e9flect", "reflect-\u20ac", "Reflect-A", "x".repeat(65)];

describe("reflected header values", () => {
  it("refuses a pin in the body that is not an origin id with a 400, before any origin is called", async () => {
    for (const pin of hostilePins) {
      const res = await chat(key, { model: "reflect-m", messages: userMessage("hi"), meridian: { pin: [pin] } });
      const err = await expectOpenAiError(res, 400);
      expect(err.message, JSON.stringify(pin)).toContain("pin");
    }
  });

  it("refuses the same in x-meridian-pin (what a header can carry: non-ASCII bytes, uppercase, too long)", async () => {
    for (const pin of ["Reflect-A", "x".repeat(65), "reflect-a;drop"]) {
      const res = await chat(key, { model: "reflect-m", messages: userMessage("hi") }, { "x-meridian-pin": pin });
      expect((await expectOpenAiError(res, 400)).code, pin).toBe("invalid_header");
    }
    const bytes = await request("POST", "/v1/chat/completions", {
      body: { model: "reflect-m", messages: userMessage("hi") },
      headers: { authorization: `Bearer ${key}`, "x-meridian-pin": "r\u00e9flect" },
    });
    await expectOpenAiError(bytes, 400);
  });

  it("still reflects a valid pin in x-meridian-route", async () => {
    const res = await chat(key, { model: "reflect-m", messages: userMessage("hi"), meridian: { pin: ["reflect-a"] } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-route")).toContain("pinned(reflect-a)");
    await res.text();
  });

  it("writes a tenant's rule names safely into x-meridian-route, whatever characters they hold", async () => {
    const tenant = await newTenant();
    const name = "caf\u00e9 \u20ac\r\nx-evil: 1";
    await adminJson("PUT", `/tenants/${tenant.id}/rules`, { routes: [{ name, when: { model: "reflect-route" }, use: "reflect-m" }] });
    const res = await chat(tenant.key, { model: "reflect-route", messages: userMessage("hi"), max_tokens: 4 });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-route")).toMatch(/^route caf%C3%A9 %E2%82%AC%0D%0Ax-evil: 1 -> reflect-m; /);
    expect(res.headers.get("x-evil")).toBeNull();
    await res.text();
  });
});
