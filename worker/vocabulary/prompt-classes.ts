// The prompt classes `model: "auto"` sorts prompts into. A leaf, so the rules
// schema and the usage records can name them without importing auto/.

/** The prompt classes, in a fixed order (centroids and quality tables use it). */
export const PROMPT_CLASSES = ["chat", "extraction", "coding", "math", "summarization", "other"] as const;
export type PromptClass = (typeof PROMPT_CLASSES)[number];
