import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, readSse, registerOrigin, settle, trackedChat, userMessage } from "./helpers";

let key: string;
let other: string;

async function semanticTenant(id: string): Promise<string> {
  await adminJson("PUT", `/tenants/${id}`, { name: id });
  await adminJson("PUT", `/tenants/${id}/rules`, { cache: { exact: true, semantic: true } });
  return (await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {})).key;
}

// Tracked: entries and the index are written in waitUntil, and `settle()` waits for them.
const ask = (k: string, messages: unknown[], extra: Record<string, unknown> = {}) => trackedChat(k, { model: "llama-8b", messages, temperature: 0, ...extra });
const user = userMessage;

beforeAll(async () => {
  await registerOrigin("semantic-origin", "healthy", { models: { "llama-8b": "llama-8b", "llama-1.5b": "llama-8b" } });
  key = await semanticTenant("sem-a");
  other = await semanticTenant("sem-b");
});

describe("semantic cache", () => {
  it("answers a paraphrase of a cached prompt, saying how similar it was", async () => {
    const first = await ask(key, user("Can you explain how photosynthesis works?"));
    expect(first.headers.get("x-meridian-cache")).toBe("miss");
    const original = (await first.json()) as { choices: { message: { content: string } }[] };
    await settle();
    const paraphrase = await ask(key, user("Explain how photosynthesis works."));
    expect(paraphrase.headers.get("x-meridian-cache")).toBe("hit-semantic");
    expect(Number(paraphrase.headers.get("x-meridian-similarity"))).toBeGreaterThanOrEqual(0.9);
    expect(((await paraphrase.json()) as typeof original).choices[0]!.message.content).toBe(original.choices[0]!.message.content);
  });

  it("misses on every hard-negative kind: other entity, other number, negation, other language, other code language", async () => {
    const pairs: [string, string][] = [
      ["What is the capital of France?", "What is the capital of Germany?"],
      ["Convert 0.39% to a fraction.", "Convert 2.47% to a fraction."],
      ["Is it safe to eat raw eggs?", "Is it not safe to eat raw eggs?"],
      ["How do I reverse a list in Python?", "How do I reverse a list in Rust?"],
      ["Summarise the history of the Roman Empire.", "Résume l'histoire de l'Empire romain."],
      ["How do I install Docker on Ubuntu?", "How do I uninstall Docker on Ubuntu?"],
    ];
    for (const [cached, probe] of pairs) {
      await (await ask(key, user(cached))).text();
      await settle();
      const res = await ask(key, user(probe));
      expect(res.headers.get("x-meridian-cache"), probe).toBe("miss");
      await res.text();
    }
  }, 15_000); // twelve requests, and band writes to the same key wait out KV's write gap (4.9 s on main before this change)

  it("never answers across tenants or models", async () => {
    await (await ask(key, user("Tell me about the Great Barrier Reef."))).text();
    await settle();
    expect((await ask(key, user("Tell me about the Great Barrier Reef!"))).headers.get("x-meridian-cache")).toBe("hit-semantic");
    expect((await ask(other, user("Tell me about the Great Barrier Reef!"))).headers.get("x-meridian-cache")).toBe("miss");
    expect((await ask(key, user("Tell me about the Great Barrier Reef!"), { model: "llama-1.5b" })).headers.get("x-meridian-cache")).toBe("miss");
  });

  it("compares only the final user turn: a different conversation before it is a miss", async () => {
    const question = "Can you explain what a black hole is?";
    await (await ask(key, [{ role: "system", content: "You are a physics tutor." }, ...user(question)])).text();
    await settle();
    const sameTutor = await ask(key, [{ role: "system", content: "You are a physics tutor." }, ...user("Explain what a black hole is.")]);
    expect(sameTutor.headers.get("x-meridian-cache")).toBe("hit-semantic");
    const otherPersona = await ask(key, [{ role: "system", content: "You are a pirate." }, ...user("Explain what a black hole is.")]);
    expect(otherPersona.headers.get("x-meridian-cache")).toBe("miss");
    const laterTurn = await ask(key, [
      { role: "system", content: "You are a physics tutor." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello! Ask me anything." },
      ...user("Explain what a black hole is."),
    ]);
    expect(laterTurn.headers.get("x-meridian-cache")).toBe("miss");
  });

  it("replays a streamed original to a streaming paraphrase, identical in content", async () => {
    const original = await readSse(await ask(key, user("Can you describe the water cycle?"), { stream: true }));
    await settle();
    const res = await ask(key, user("Describe the water cycle."), { stream: true });
    expect(res.headers.get("x-meridian-cache")).toBe("hit-semantic");
    expect((await readSse(res)).events).toEqual(original.events);
  });
});
