import { describe, expect, inject, it } from "vitest";
import { DEFAULT_FLEET } from "../../fleet/fleet";
import { AdminClient } from "../../harness/admin-client";
import { seed } from "../../harness/seed";

const dev = inject("dev");

describe("dev seeding", () => {
  it("is idempotent: seeding again changes nothing a client can see", async () => {
    const admin = new AdminClient(dev.url, dev.adminToken);
    const before = await admin.call<{ data: { id: string; base_url: string }[] }>("GET", "/origins");
    expect(before.data.map((o) => o.id).sort()).toEqual(DEFAULT_FLEET.map((o) => o.id).sort());

    const origins = DEFAULT_FLEET.map((spec) => ({ ...spec, baseUrl: before.data.find((o) => o.id === spec.id)!.base_url }));
    await seed(dev.url, dev.adminToken, dev.demoKey, origins);

    const after = await admin.call<{ data: { id: string; base_url: string }[] }>("GET", "/origins");
    expect(after.data.map((o) => [o.id, o.base_url])).toEqual(before.data.map((o) => [o.id, o.base_url]));
    const keys = await admin.call<{ data: { revoked_at: number | null }[] }>("GET", "/tenants/demo/keys");
    expect(keys.data.filter((k) => k.revoked_at === null)).toHaveLength(1);
    const history = await admin.call<{ data: { version: number }[] }>("GET", "/tenants/demo/rules/history");
    expect(history.data.map((v) => v.version)).toEqual([1, 0]);
  });
});
