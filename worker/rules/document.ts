// The rules document as the router accepts it: the wire schema
// (schemas/rules.ts) with the check that a tenant's own centroids compile.
import { compileCentroids } from "../auto/centroid-set";
import { rulesDocumentWith } from "../schemas/rules";

export const rulesDocument = rulesDocumentWith(compileCentroids);
