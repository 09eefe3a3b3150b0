// An isolate's copy of something a tenant's object owns (its account, its
// feedback evidence), per tenant: an isolate's first request for a tenant
// waits for it once; afterwards it is served at once and refreshed in the
// background (`waitUntil`) when older than `freshMs`. No request ever awaits
// another request's promise. A value adopted meanwhile (e.g. the object's
// answer to a usage batch) wins over a slower background refresh.

type WaitUntil = (p: Promise<unknown>) => void;

interface Entry<V> {
  value: V;
  at: number;
  /** Bumped by every adoption, so a refresh that started earlier cannot overwrite it. */
  seq: number;
  refreshing: boolean;
}

export class RefreshedCopy<V> {
  private readonly entries = new Map<string, Entry<V>>();

  /** `load` returns null when the object cannot be reached (the copy is then kept, or not made). */
  constructor(
    private readonly freshMs: number,
    private readonly load: (env: Env, tenantId: string) => Promise<V | null>,
    private readonly maxTenants = 10_000,
  ) {}

  async get(env: Env, tenantId: string, waitUntil: WaitUntil): Promise<V | null> {
    const entry = this.entries.get(tenantId);
    if (!entry) {
      const value = await this.load(env, tenantId);
      if (value !== null) this.adopt(tenantId, value);
      return value;
    }
    if (!entry.refreshing && Date.now() - entry.at >= this.freshMs) {
      entry.refreshing = true;
      const asked = entry.seq;
      waitUntil(
        this.load(env, tenantId).then((value) => {
          entry.refreshing = false;
          if (value !== null && entry.seq === asked) this.adopt(tenantId, value);
          else entry.at = Date.now(); // unreachable: keep the copy, try again after freshMs
        }),
      );
    }
    return entry.value;
  }

  /** The copy as last seen, without asking anyone. */
  known(tenantId: string): V | null {
    return this.entries.get(tenantId)?.value ?? null;
  }

  adopt(tenantId: string, value: V): void {
    const entry = this.entries.get(tenantId);
    if (entry) {
      entry.value = value;
      entry.at = Date.now();
      entry.seq++;
      return;
    }
    if (this.entries.size >= this.maxTenants) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tenantId, { value, at: Date.now(), seq: 0, refreshing: false });
  }

  /** Tenants copied here and the bound (for the isolate read-out). */
  sizes(): { size: number; bound: number } {
    return { size: this.entries.size, bound: this.maxTenants };
  }

  /** Makes the next request refresh (in the background). */
  expire(tenantId: string): void {
    const entry = this.entries.get(tenantId);
    if (entry) entry.at = 0;
  }
}
