// Registers the local origin fleet and the demo tenant. Every call is an
// upsert (PUT, or an imported key), so seeding twice changes nothing.
import { AdminClient } from "./admin-client";

export interface SeedOrigin {
  id: string;
  baseUrl: string;
  region: string;
  lat: number;
  lon: number;
  models: readonly string[];
  price: { input_per_m: number; output_per_m: number };
}

export const DEMO_TENANT = "demo";

export async function seed(routerUrl: string, adminToken: string, demoKey: string, origins: readonly SeedOrigin[]): Promise<void> {
  const admin = new AdminClient(routerUrl, adminToken);
  for (const o of origins) {
    await admin.call("PUT", `/origins/${o.id}`, {
      base_url: o.baseUrl,
      region: o.region,
      lat: o.lat,
      lon: o.lon,
      models: Object.fromEntries(o.models.map((m) => [m, m])),
      price: o.price,
    });
  }
  // The demo tenant has the exact and semantic cache on, at the default threshold.
  await admin.call("PUT", `/tenants/${DEMO_TENANT}`, { name: "Demo tenant", cache: { exact: true, semantic: true } });
  await admin.call("POST", `/tenants/${DEMO_TENANT}/keys`, { name: "demo", key: demoKey });
}
