// What the Tenant object and isolates exchange about `auto`'s quality: the
// evidence isolates read (quality-client.ts) and what a rating came to.
import type { PromptClass } from "../vocabulary/prompt-classes";

/** Per model and class: [good, bad] evidence (decayed rating sums). */
export type Evidence = Record<string, Partial<Record<PromptClass, [good: number, bad: number]>>>;

export type FeedbackResult = "applied" | "pending" | "duplicate";
