// Hedging sends a second request when the first is slow. Each tenant earns
// `ratio` of a hedge per request (so ratio 0.05 allows at most 5% extra
// requests), banked up to `burst`.
export class HedgeBudget {
  private tokens: number;

  constructor(
    private readonly ratio: number,
    private readonly burst = 5,
  ) {
    this.tokens = Math.min(1, burst);
  }

  /** Called once per request. */
  earn(): void {
    this.tokens = Math.min(this.burst, this.tokens + this.ratio);
  }

  /** Spends one hedge if the budget has it. */
  take(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const MAX_BUDGETS = 10_000;
const budgets = new Map<string, HedgeBudget>();

/** (tenant, ratio) budgets held here and the bound, for the isolate read-out. */
export const hedgeBudgetSizes = () => ({ size: budgets.size, bound: MAX_BUDGETS });

/** The isolate's budget for a tenant at a ratio (bounded: oldest are dropped). */
export function hedgeBudget(tenant: string, ratio: number): HedgeBudget {
  const key = `${tenant}\u0000${ratio}`;
  let b = budgets.get(key);
  if (!b) {
    if (budgets.size >= MAX_BUDGETS) budgets.delete(budgets.keys().next().value!);
    budgets.set(key, (b = new HedgeBudget(ratio)));
  }
  return b;
}
