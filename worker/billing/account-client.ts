// The isolate's copy of each tenant's account (month spend, tokens, credits),
// for the funds check. It is refreshed for free by every usage batch the
// isolate sends (the object answers with the account), and otherwise asked
// for in the background once it is a few seconds old.
import { RefreshedCopy } from "../tenants/refreshed-copy";
import type { AccountState } from "./account";
import { tenantObject } from "../objects/stubs";

type WaitUntil = (p: Promise<unknown>) => void;

/** How old the copy may get before a background refresh. */
const FRESH_MS = 3_000;

const accounts = new RefreshedCopy<AccountState>(FRESH_MS, fetchAccount);

/** The freshest account this isolate knows; null when the object cannot be reached. */
export function tenantAccount(env: Env, tenantId: string, waitUntil: WaitUntil): Promise<AccountState | null> {
  return accounts.get(env, tenantId, waitUntil);
}

/** Tenants whose account this isolate holds, and the bound (for the isolate read-out). */
export const accountCopySizes = () => accounts.sizes();

/** The account as last seen, without asking anyone (null if never seen). */
export function knownAccount(tenantId: string): AccountState | null {
  return accounts.known(tenantId);
}

/** Takes an account the object just reported (after a usage batch or an admin write). */
export function adoptAccount(tenantId: string, account: AccountState): void {
  accounts.adopt(tenantId, account);
}

async function fetchAccount(env: Env, tenantId: string): Promise<AccountState | null> {
  try {
    return await tenantObject(env, tenantId).account();
  } catch {
    return null;
  }
}
