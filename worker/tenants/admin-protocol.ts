// What the admin API reads from and writes to a tenant's object, beyond the
// wire schemas: keys as listed, the audit log, and the outcome of a rules write.
import type { RateLimits } from "../limits/lease-protocol";
import type { RulesVersion } from "../schemas/rules";

/** A key as the admin API shows it: never the secret, never the full hash. */
export type KeyInfo = {
  id: string;
  name: string | null;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
  /** The key's own rate limits, within the tenant's. */
  limits: RateLimits | null;
};

/** Why a rules write was refused. */
export type RulesWrite = { ok: true; current: RulesVersion } | { ok: false; reason: "no_tenant" | "stale" | "no_version"; current: RulesVersion | null };

/** One row of the tenant's audit log: an accepted admin write. */
export interface AuditEntry {
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** The label of the admin token that made the write. */
  actor: string;
  /** What was done, e.g. `rules.put`, `key.create`, `credits.add`. */
  action: string;
  /** A short summary of the change (never a secret). */
  detail: Record<string, unknown>;
  /** The rules version in force after the write. */
  rules_version: number;
}
