// `meridian keys …`: a tenant's API keys. The secret exists only in the
// answer to `create`; the router keeps its hash.
import type { KeyInfo } from "../../../worker/tenants/admin-protocol";
import { emit, intOption, printJson, stringOption, UsageError, type Command, type Context } from "../command";
import { count, table, when } from "../format";

/** Requests and tokens per minute (see docs/rate-limits.md). */
type Limits = { rpm?: number; tpm?: number };
type Key = KeyInfo & { limits?: Limits | null };

const keysPath = (tenant: string) => `/tenants/${encodeURIComponent(tenant)}/keys`;

const create: Command = {
  words: ["keys", "create"],
  args: ["tenant"],
  options: {
    name: { type: "string", value: "name", help: "what the key is for, shown in listings" },
    rpm: { type: "string", value: "n", help: "this key's own limit of requests per minute (within the tenant's)" },
    tpm: { type: "string", value: "n", help: "this key's own limit of tokens per minute (within the tenant's)" },
  },
  summary: "create an API key and print its secret (once: only its hash is kept)",
  details: "The secret alone goes to stdout, so KEY=$(meridian keys create acme --name ci) captures it; the rest goes to stderr.",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    const name = stringOption(ctx, "name");
    const limits = limitsOf(ctx);
    const key = await ctx.admin().call<Key & { key: string }>("POST", keysPath(tenant), { ...(name !== undefined ? { name } : {}), ...(limits ? { limits } : {}) });
    if (ctx.json) {
      printJson(ctx, key);
      return;
    }
    ctx.out.note(`${tenant}: created key ${key.id}${key.name ? ` (${key.name})` : ""}; its secret is shown this once, store it now:`);
    ctx.out.print(key.key);
  },
};

function limitsOf(ctx: Context): Limits | undefined {
  const rpm = intOption(ctx, "rpm");
  const tpm = intOption(ctx, "tpm");
  return rpm === undefined && tpm === undefined ? undefined : { ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}) };
}

function describeLimits(limits: Limits | null | undefined): string {
  const parts = [limits?.rpm !== undefined && `${count(limits.rpm)} rpm`, limits?.tpm !== undefined && `${count(limits.tpm)} tpm`];
  return parts.filter(Boolean).join(", ") || "-";
}

const list: Command = {
  words: ["keys", "list"],
  args: ["tenant"],
  summary: "list a tenant's keys (never their secrets)",
  async run(ctx) {
    const page = await ctx.admin().call<{ data: Key[] }>("GET", keysPath(ctx.args.tenant!));
    emit(ctx, page, () =>
      table(page.data, [
        { title: "ID", value: (k) => k.id },
        { title: "NAME", value: (k) => k.name ?? "" },
        { title: "PREFIX", value: (k) => k.prefix },
        { title: "LIMITS", value: (k) => describeLimits(k.limits) },
        { title: "CREATED", value: (k) => when(k.created_at) },
        { title: "REVOKED", value: (k) => when(k.revoked_at) },
      ]),
    );
  },
};

const limit: Command = {
  words: ["keys", "limit"],
  args: ["tenant", "key-id"],
  options: {
    rpm: { type: "string", value: "n", help: "requests per minute" },
    tpm: { type: "string", value: "n", help: "tokens per minute" },
    clear: { type: "boolean", help: "remove the key's own limits (the tenant's still apply)" },
  },
  summary: "set or clear a key's own rate limits (they replace the key's previous ones)",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    const limits = limitsOf(ctx);
    const clear = ctx.options.clear === true;
    if (!limits && !clear) throw new UsageError("give --rpm and/or --tpm, or --clear");
    if (limits && clear) throw new UsageError("--clear goes alone, without --rpm or --tpm");
    const path = `${keysPath(tenant)}/${encodeURIComponent(ctx.args["key-id"]!)}`;
    const key = await ctx.admin().call<Key>("PATCH", path, { limits: limits ?? null });
    emit(ctx, key, () => `${tenant}: key ${key.id} limits: ${describeLimits(key.limits)}`);
  },
};

const revoke: Command = {
  words: ["keys", "revoke"],
  args: ["tenant", "key-id"],
  summary: "revoke a key: it stops working within seconds everywhere",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    const keyId = ctx.args["key-id"]!;
    const key = await ctx.admin().call<KeyInfo>("DELETE", `${keysPath(tenant)}/${encodeURIComponent(keyId)}`);
    emit(ctx, key, () => `${tenant}: revoked key ${key.id} at ${when(key.revoked_at)}`);
  },
};

export const KEY_COMMANDS: readonly Command[] = [create, list, limit, revoke];
