// The shipped class centroids: worker/auto/centroids.json, built by
// `npm run build:centroids` from data/prompts/classes.jsonl. A tenant's own
// set, in the same format, is compiled with compileCentroids.

import { compileCentroids, type CentroidSet } from "./centroid-set";
import shipped from "./centroids.json";

export { compileCentroids, type CentroidSet, type CentroidSpec } from "./centroid-set";

export const DEFAULT_CENTROIDS: CentroidSet = compileCentroids(shipped);
