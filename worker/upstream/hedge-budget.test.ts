import { describe, expect, it } from "vitest";
import { HedgeBudget, hedgeBudget } from "./hedge-budget";

describe("HedgeBudget", () => {
  it("holds hedges to the ratio plus the burst over 10,000 requests that all want one", () => {
    const budget = new HedgeBudget(0.05);
    let hedges = 0;
    for (let i = 0; i < 10_000; i++) {
      budget.earn();
      if (budget.take()) hedges++;
    }
    expect(hedges).toBeLessThanOrEqual(0.05 * 10_000 + 5);
    expect(hedges).toBeGreaterThanOrEqual(0.05 * 10_000 - 5); // the budget is actually spendable
  });

  it("stays within ratio plus burst even after banking a full burst", () => {
    const budget = new HedgeBudget(0.05, 5);
    for (let i = 0; i < 1_000; i++) budget.earn(); // quiet period: no hedges wanted
    let hedges = 0;
    for (let i = 0; i < 10_000; i++) {
      budget.earn();
      if (budget.take()) hedges++;
    }
    expect(hedges).toBeLessThanOrEqual(0.05 * 11_000 + 5);
    expect(hedges).toBeLessThanOrEqual(505);
    expect(hedges).toBeGreaterThanOrEqual(500);
  });

  it("starts with one hedge in hand", () => {
    const budget = new HedgeBudget(0.05);
    expect(budget.take()).toBe(true);
    expect(budget.take()).toBe(false);
  });

  it("earns ratio per request and spends whole hedges", () => {
    const budget = new HedgeBudget(0.25);
    expect(budget.take()).toBe(true);
    for (let i = 0; i < 3; i++) {
      budget.earn();
      expect(budget.take()).toBe(false); // 0.25, 0.5, 0.75
    }
    budget.earn();
    expect(budget.take()).toBe(true); // 1.0
    expect(budget.take()).toBe(false);
  });

  it("banks at most the burst", () => {
    const budget = new HedgeBudget(0.5, 3);
    for (let i = 0; i < 100; i++) budget.earn();
    const taken = Array.from({ length: 10 }, () => budget.take()).filter(Boolean).length;
    expect(taken).toBe(3);
  });

  it("never hedges with a zero ratio beyond the first, nor with a zero burst", () => {
    const zero = new HedgeBudget(0);
    expect(zero.take()).toBe(true);
    for (let i = 0; i < 100; i++) zero.earn();
    expect(zero.take()).toBe(false);
    const none = new HedgeBudget(0.5, 0);
    for (let i = 0; i < 100; i++) none.earn();
    expect(none.take()).toBe(false);
  });
});

describe("hedgeBudget", () => {
  it("keeps one budget per tenant", () => {
    const a = hedgeBudget("tenant-test-a", 0.05);
    expect(hedgeBudget("tenant-test-a", 0.05)).toBe(a);
    expect(hedgeBudget("tenant-test-b", 0.05)).not.toBe(a);
    expect(a.take()).toBe(true);
    expect(hedgeBudget("tenant-test-a", 0.05).take()).toBe(false); // the same budget, now spent
    expect(hedgeBudget("tenant-test-b", 0.05).take()).toBe(true);
  });
});
