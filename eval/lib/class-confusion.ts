// Class predictions against labels: accuracy and a confusion matrix (pure).

import { PROMPT_CLASSES, type PromptClass } from "../../worker/vocabulary/prompt-classes";
import { markdownTable } from "./metrics";

export interface Prediction {
  actual: PromptClass;
  predicted: PromptClass;
}

export function accuracy(predictions: readonly Prediction[]): number {
  if (predictions.length === 0) return NaN;
  let right = 0;
  for (const p of predictions) if (p.actual === p.predicted) right++;
  return right / predictions.length;
}

/** counts[actual][predicted], in PROMPT_CLASSES order. */
export function confusionMatrix(predictions: readonly Prediction[]): number[][] {
  const index = (c: PromptClass) => PROMPT_CLASSES.indexOf(c);
  const counts = PROMPT_CLASSES.map(() => PROMPT_CLASSES.map(() => 0));
  for (const p of predictions) counts[index(p.actual)]![index(p.predicted)]!++;
  return counts;
}

/** Rows are the labelled class, columns the predicted one, with each class's recall. */
export function confusionTable(predictions: readonly Prediction[]): string {
  const counts = confusionMatrix(predictions);
  const rows = PROMPT_CLASSES.map((cls, i) => {
    const row = counts[i]!;
    const total = row.reduce((a, b) => a + b, 0);
    return [cls, ...row.map(String), total === 0 ? "–" : `${Math.round((100 * row[i]!) / total)}%`];
  });
  return markdownTable(["labelled \\ predicted", ...PROMPT_CLASSES, "recall"], rows);
}
