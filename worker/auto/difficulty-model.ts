// The shipped difficulty model: worker/auto/difficulty.json, trained by
// `npm run train:auto` (scripts/train-auto.ts) on the tuning parts of public
// routing sets and the project's own prompts (provenance: docs/auto.md).
import { compileDifficulty, type DifficultyModel } from "./difficulty";
import shipped from "./difficulty.json";

export const DEFAULT_DIFFICULTY: DifficultyModel = compileDifficulty(shipped);
