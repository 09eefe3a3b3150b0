// What `auto` reads of a request body: the text to classify (the final user
// turn, or a completion prompt) and the request's shape. Pure.
import type { RequestShape } from "./types";

type Body = Record<string, unknown>;

/** The text that decides the class: the last user message's text parts, else the prompt or input string. */
export function promptText(body: Body): string {
  if (Array.isArray(body.messages)) {
    for (let i = body.messages.length - 1; i >= 0; i--) {
      const m = body.messages[i] as { role?: unknown; content?: unknown };
      if (m.role === "user") return textOf(m.content);
    }
    return "";
  }
  if (typeof body.prompt === "string") return body.prompt;
  if (Array.isArray(body.prompt) && typeof body.prompt[0] === "string") return body.prompt[0];
  if (typeof body.input === "string") return body.input;
  return "";
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (typeof part.text === "string") text += (text ? "\n" : "") + part.text;
  }
  return text;
}

export function requestShape(body: Body): RequestShape {
  const cap = Number(body.max_completion_tokens ?? body.max_tokens);
  return {
    depth: Array.isArray(body.messages) ? body.messages.length : 1,
    maxTokens: Number.isFinite(cap) && cap > 0 ? cap : null,
    tools: (Array.isArray(body.tools) && body.tools.length > 0) || Array.isArray(body.functions),
  };
}
