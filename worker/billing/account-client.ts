// The isolate's copy of each tenant's account (month spend, tokens, credits),
// for the funds check. It is refreshed for free by every usage batch the
// isolate sends (the object answers with the account), and otherwise asked
// for in the background once it is a few seconds old. Only a cold isolate
// waits for it, once per request until the first answer lands (no request
// shares another's promise).
import type { AccountState } from "./account";

type WaitUntil = (p: Promise<unknown>) => void;

/** How old the copy may get before a background refresh. */
const FRESH_MS = 3_000;
const MAX_TENANTS = 10_000;

interface Entry {
  account: AccountState;
  at: number;
  /** Bumped by every adoption, so a slow refresh cannot overwrite a newer account. */
  seq: number;
  refreshing: boolean;
}

const entries = new Map<string, Entry>();

const stub = (env: Env, tenantId: string) => env.TENANT.get(env.TENANT.idFromName(tenantId));

/** The freshest account this isolate knows; null when the object cannot be reached. */
export async function tenantAccount(env: Env, tenantId: string, waitUntil: WaitUntil): Promise<AccountState | null> {
  const entry = entries.get(tenantId);
  if (!entry) {
    const account = await fetchAccount(env, tenantId);
    if (account) adoptAccount(tenantId, account);
    return account;
  }
  if (!entry.refreshing && Date.now() - entry.at > FRESH_MS) {
    entry.refreshing = true;
    const asked = entry.seq;
    waitUntil(
      fetchAccount(env, tenantId).then((account) => {
        entry.refreshing = false;
        // A usage batch answered meanwhile: its account is newer than this one.
        if (account && entry.seq === asked) adoptAccount(tenantId, account);
      }),
    );
  }
  return entry.account;
}

/** The account as last seen, without asking anyone (null if never seen). */
export function knownAccount(tenantId: string): AccountState | null {
  return entries.get(tenantId)?.account ?? null;
}

/** Takes an account the object just reported (after a usage batch or an admin write). */
export function adoptAccount(tenantId: string, account: AccountState): void {
  const entry = entries.get(tenantId);
  if (entry) {
    entry.account = account;
    entry.at = Date.now();
    entry.seq++;
    return;
  }
  if (entries.size >= MAX_TENANTS) entries.delete(entries.keys().next().value!);
  entries.set(tenantId, { account, at: Date.now(), seq: 0, refreshing: false });
}

async function fetchAccount(env: Env, tenantId: string): Promise<AccountState | null> {
  try {
    return (await stub(env, tenantId).account()) as AccountState | null;
  } catch {
    return null;
  }
}
