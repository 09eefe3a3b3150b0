import { describe, expect, it } from "vitest";
import { forward } from "./retry";
import { fleet, json, of, plan, slowOrigin, streamed, target } from "./forward-fixtures";

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
