// Prompt features in Node, from the TypeScript reference fingerprint (the
// same numbers the worker's wasm produces) over the shipped vocabulary.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fingerprintReference, loadTable } from "../../wasm/reference/embedding-reference";
import { FEATURE_DIMS, promptFeatures } from "../../worker/auto/features";
import type { RequestShape } from "../../worker/auto/types";

/** The shape of the labelled prompts: one user message, no tools, no output cap. */
export const SINGLE_PROMPT: RequestShape = { depth: 1, maxTokens: null, tools: false };

const TABLE = fileURLToPath(new URL("../../wasm/embeddings.bin", import.meta.url));

/** A function from prompt text to a fresh feature vector. */
export function referenceFeatures(shape: RequestShape = SINGLE_PROMPT): (text: string) => Float32Array {
  const table = loadTable(readFileSync(TABLE));
  return (text) => promptFeatures(fingerprintReference(text, table), shape, new Float32Array(FEATURE_DIMS));
}
