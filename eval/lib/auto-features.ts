// Every routing example's features and predicted class, computed once with
// the TypeScript reference fingerprint (bit-identical to the worker's wasm).

import type { CentroidSet } from "../../worker/auto/centroid-set";
import { classify } from "../../worker/auto/classify";
import type { PromptClass } from "../../worker/vocabulary/prompt-classes";
import type { RoutingExample, RoutingSet } from "./auto-sets";
import { referenceFeatures } from "./reference-features";

export interface FeaturedExample extends RoutingExample {
  features: Float32Array;
  predicted: PromptClass;
}

export interface FeaturedSet {
  name: string;
  excluded: number;
  examples: FeaturedExample[];
}

export function featureSets(sets: readonly RoutingSet[], centroids: CentroidSet): FeaturedSet[] {
  const features = referenceFeatures();
  return sets.map((s) => ({
    name: s.name,
    excluded: s.excluded,
    examples: s.examples.map((e) => {
      const f = features(e.prompt);
      return { ...e, features: f, predicted: classify(f, centroids).class };
    }),
  }));
}
