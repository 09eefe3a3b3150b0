// Token counts for metering: what an answer reported, else an estimate. The
// estimates (about four characters a token, a few tokens of framing per chat
// message) are only used when an origin does not report usage.
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;

export interface ReportedUsage {
  /** Prompt tokens the answer reported, or null. */
  input: number | null;
  /** Generated tokens the answer reported (0 for embeddings), or null. */
  output: number | null;
}

/** Estimated prompt tokens of a request: chat messages, a completions prompt, embeddings or Responses input. */
export function estimatePromptTokens(body: Record<string, unknown>): number {
  const { chars, ids } = textSize([body.messages, body.prompt, body.input, body.instructions]);
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  return Math.ceil(chars / CHARS_PER_TOKEN) + ids + messages * TOKENS_PER_MESSAGE;
}

/** Estimated tokens of generated text. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** What a non-streamed answer is billed for, as far as the answer itself says. */
export interface AnswerUsage {
  /** Prompt tokens it reported; null: estimate them from the request. */
  input: number | null;
  /** Generated tokens it reported, else estimated from its text. */
  output: number;
}

/** A parsed answer's `AnswerUsage`. */
export function answerUsage(answer: unknown): AnswerUsage {
  const reported = reportedUsage(answer);
  return reported.output !== null ? (reported as AnswerUsage) : { input: reported.input, output: estimateTextTokens(answerText(answer)) };
}

/** The usage block of a non-streamed answer (chat, completions, embeddings or Responses API). */
export function reportedUsage(answer: unknown): ReportedUsage {
  const usage = (answer as { usage?: Record<string, unknown> | null } | null)?.usage;
  if (!usage || typeof usage !== "object") return { input: null, output: null };
  const input = count(usage.prompt_tokens ?? usage.input_tokens);
  const output = count(usage.completion_tokens ?? usage.output_tokens);
  // Embeddings report only prompt tokens: nothing was generated.
  return { input, output: output ?? (input !== null ? 0 : null) };
}

/** The generated text of a non-streamed answer, for the estimate when it carries no usage. */
export function answerText(answer: unknown): string {
  const a = (answer ?? {}) as { choices?: unknown; output_text?: unknown; output?: unknown };
  if (typeof a.output_text === "string") return a.output_text;
  let text = "";
  for (const choice of Array.isArray(a.choices) ? (a.choices as Record<string, unknown>[]) : []) {
    const content = (choice.message as { content?: unknown } | undefined)?.content ?? choice.text;
    if (typeof content === "string") text += content;
  }
  for (const item of Array.isArray(a.output) ? (a.output as { content?: unknown }[]) : []) {
    for (const part of Array.isArray(item.content) ? (item.content as { text?: unknown }[]) : []) if (typeof part.text === "string") text += part.text;
  }
  return text;
}

/**
 * Characters of text, and token ids given as numbers (pre-tokenized prompts),
 * anywhere in a value. Iterative, with its own stack: a client's body may
 * nest as deeply as it likes without overflowing the call stack.
 */
function textSize(value: unknown): { chars: number; ids: number } {
  const size = { chars: 0, ids: 0 };
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") size.chars += v.length;
    else if (typeof v === "number") size.ids += 1;
    else if (Array.isArray(v)) for (const part of v) stack.push(part);
    else if (v && typeof v === "object") for (const part of Object.values(v)) stack.push(part);
  }
  return size;
}

function count(value: unknown): number | null {
  const n = Number(value);
  return value !== undefined && value !== null && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}
