// The price a request is charged at when the tenant's price list does not
// name its model: what the origin that served it charges. A cache hit had no
// origin, so it is priced like the cheapest origin serving the model (the
// cache discount then applies on top): the tenant is never charged more for
// a hit than the cheapest miss would have cost.
import { hasOwn } from "../own";
import type { ModelPrice } from "../schemas/billing";
import type { Origin } from "../schemas/admin";

export function listPrice(origins: readonly Origin[], originId: string | null, model: string): ModelPrice | null {
  if (originId !== null) {
    const served = origins.find((o) => o.id === originId);
    if (served) return served.price;
  }
  let cheapest: ModelPrice | null = null;
  for (const origin of origins) {
    if (!hasOwn(origin.models, model)) continue;
    const p = origin.price;
    if (!cheapest || p.input_per_m + p.output_per_m < cheapest.input_per_m + cheapest.output_per_m) cheapest = p;
  }
  return cheapest;
}
