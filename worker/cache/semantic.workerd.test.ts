import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fingerprint } from "./embedder";
import { bands } from "./lsh";
import { findSimilar, index } from "./semantic";

function collector() {
  const pending: Promise<unknown>[] = [];
  return { waitUntil: (p: Promise<unknown>) => void pending.push(p), settle: async () => { while (pending.length) await pending.shift(); } };
}

describe("semantic index", () => {
  it("finds a verified near-duplicate under the same prefix only", async () => {
    const { waitUntil, settle } = collector();
    await index(env.KV, "prefix-a", fingerprint("Can you explain how photosynthesis works?"), "entry-1", 600, waitUntil);
    await settle();
    const match = await findSimilar(env.KV, "prefix-a", fingerprint("Explain how photosynthesis works."), undefined, waitUntil);
    expect(match).toMatchObject({ key: "entry-1" });
    expect(match!.similarity).toBeGreaterThan(0.93);
    expect(await findSimilar(env.KV, "prefix-b", fingerprint("Explain how photosynthesis works."), undefined, waitUntil)).toBeNull();
    expect(await findSimilar(env.KV, "prefix-a", fingerprint("Explain how respiration works."), undefined, waitUntil)).toBeNull();
  });

  it("merges a burst of writes to the same bands instead of dropping any", async () => {
    const { waitUntil, settle } = collector();
    const fp = fingerprint("Describe how a thermostat works.");
    // Six entries land in the very same eight bands within a few milliseconds.
    for (let i = 1; i <= 6; i++) await index(env.KV, "burst", fp, `entry-${i}`, 600, waitUntil);
    // Findable in this isolate at once...
    expect((await findSimilar(env.KV, "burst", fp, undefined, waitUntil))?.key).toMatch(/^entry-/);
    await settle(); // ...and every band in KV lists every entry, newest first, after the merged write.
    for (const band of bands(fp.signature)) {
      const stored = await env.KV.get<{ value: string[] }>(`band:burst:${band}`, "json");
      expect(stored!.value).toEqual(["entry-6", "entry-5", "entry-4", "entry-3", "entry-2", "entry-1"]);
    }
  });
});
