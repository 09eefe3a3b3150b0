import { describe, expect, it } from "vitest";
import type { Origin } from "../schemas/admin";
import { listPrice } from "./list-price";

const origin = (id: string, models: string[], input_per_m: number, output_per_m: number): Origin => ({
  id,
  base_url: `https://${id}.example/v1`,
  region: "weur",
  lat: 50,
  lon: 8,
  models: Object.fromEntries(models.map((m) => [m, m])),
  price: { input_per_m, output_per_m },
  weight: 1,
  draining: false,
  updated_at: 0,
});

const ORIGINS = [origin("a", ["llama-8b"], 0.3, 0.9), origin("b", ["llama-8b", "qwen"], 0.1, 0.4), origin("c", ["qwen"], 0.01, 0.02)];

describe("listPrice", () => {
  it("is the serving origin's price", () => {
    expect(listPrice(ORIGINS, "a", "llama-8b")).toEqual({ input_per_m: 0.3, output_per_m: 0.9 });
  });

  it("is the cheapest price among origins serving the model when no origin served it", () => {
    expect(listPrice(ORIGINS, null, "llama-8b")).toEqual({ input_per_m: 0.1, output_per_m: 0.4 });
    expect(listPrice(ORIGINS, null, "qwen")).toEqual({ input_per_m: 0.01, output_per_m: 0.02 });
    // An origin that has since been removed: priced like a hit.
    expect(listPrice(ORIGINS, "gone", "llama-8b")).toEqual({ input_per_m: 0.1, output_per_m: 0.4 });
  });

  it("is null for a model no origin serves", () => {
    expect(listPrice(ORIGINS, null, "mystery")).toBeNull();
  });
});
