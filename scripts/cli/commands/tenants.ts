// `meridian tenants …` and `meridian audit`: tenant profiles and the log of
// every admin write made to a tenant.
import type { AuditEntry } from "../../../worker/tenants/admin-protocol";
import { tenantInput, type TenantRecord } from "../../../worker/schemas/admin";
import { emit, intOption, type Command } from "../command";
import { readDocument, validated } from "../documents";
import { brief, fields, table, when } from "../format";

const tenantPath = (tenant: string) => `/tenants/${encodeURIComponent(tenant)}`;

const list: Command = {
  words: ["tenants", "list"],
  args: [],
  summary: "list the tenants",
  async run(ctx) {
    const page = await ctx.admin().call<{ data: TenantRecord[] }>("GET", "/tenants");
    emit(ctx, page, () =>
      table(page.data, [
        { title: "ID", value: (t) => t.id },
        { title: "NAME", value: (t) => t.name },
        { title: "MODELS", value: (t) => brief(t.models?.join(",") ?? "(all)", 40) },
        { title: "UPDATED", value: (t) => when(t.updated_at) },
      ]),
    );
  },
};

const get: Command = {
  words: ["tenants", "get"],
  args: ["tenant"],
  summary: "show a tenant's profile",
  async run(ctx) {
    const tenant = await ctx.admin().call<TenantRecord>("GET", tenantPath(ctx.args.tenant!));
    emit(ctx, tenant, () => fields(tenant));
  },
};

const put: Command = {
  words: ["tenants", "put"],
  args: ["tenant", "file"],
  summary: "create or replace a tenant's profile from a JSON or YAML file (checked locally first)",
  async run(ctx) {
    const { tenant, file } = ctx.args as { tenant: string; file: string };
    const input = validated(tenantInput, readDocument(file), file, "tenant");
    const res = await ctx.admin().send<TenantRecord>("PUT", tenantPath(tenant), input);
    emit(ctx, res.body, () => `${tenant}: ${res.status === 201 ? "created" : "updated"}`);
  },
};

const audit: Command = {
  words: ["audit"],
  args: ["tenant"],
  options: {
    limit: { type: "string", value: "n", help: "how many entries (default 50, at most 500)" },
    before: { type: "string", value: "seq", help: "entries older than this sequence number (paging)" },
  },
  summary: "show the audit log of a tenant: who (admin token label) wrote what, when, newest first",
  async run(ctx) {
    const query = new URLSearchParams({ limit: String(intOption(ctx, "limit") ?? 50) });
    const before = intOption(ctx, "before");
    if (before !== undefined) query.set("before", String(before));
    const page = await ctx.admin().call<{ data: AuditEntry[] }>("GET", `${tenantPath(ctx.args.tenant!)}/audit?${query}`);
    emit(ctx, page, () =>
      table(page.data, [
        { title: "SEQ", value: (e) => String(e.seq), align: "right" },
        { title: "AT", value: (e) => when(e.at) },
        { title: "ACTOR", value: (e) => e.actor },
        { title: "ACTION", value: (e) => e.action },
        { title: "RULES", value: (e) => String(e.rules_version), align: "right" },
        { title: "DETAIL", value: (e) => brief(e.detail, 80) },
      ]),
    );
  },
};

export const TENANT_COMMANDS: readonly Command[] = [list, get, put, audit];
