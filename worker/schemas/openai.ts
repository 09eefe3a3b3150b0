// Wire schemas for the OpenAI-compatible endpoints. They check what the router
// itself relies on and reject absurd values early; every other field is passed
// through to the origin untouched (loose objects).
import * as z from "zod/mini";

const modelName = z.string().check(z.minLength(1), z.maxLength(256));
const nonNegativeInt = (max: number) => z.int().check(z.minimum(0), z.maximum(max));
const positiveInt = (max: number) => z.int().check(z.minimum(1), z.maximum(max));

const contentPart = z.looseObject({ type: z.string().check(z.minLength(1)) });

export const chatMessage = z.looseObject({
  role: z.string().check(z.minLength(1), z.maxLength(64)),
  content: z.optional(z.nullable(z.union([z.string(), z.array(contentPart)]))),
  name: z.optional(z.string()),
});

const streamFields = {
  stream: z.optional(z.nullable(z.boolean())),
  stream_options: z.optional(z.nullable(z.looseObject({ include_usage: z.optional(z.boolean()) }))),
};

const samplingFields = {
  temperature: z.optional(z.nullable(z.number().check(z.minimum(0), z.maximum(2)))),
  top_p: z.optional(z.nullable(z.number().check(z.minimum(0), z.maximum(1)))),
  n: z.optional(z.nullable(positiveInt(128))),
  max_tokens: z.optional(z.nullable(positiveInt(10_000_000))),
  presence_penalty: z.optional(z.nullable(z.number().check(z.minimum(-2), z.maximum(2)))),
  frequency_penalty: z.optional(z.nullable(z.number().check(z.minimum(-2), z.maximum(2)))),
  seed: z.optional(z.nullable(z.int())),
  user: z.optional(z.string()),
};

export const chatCompletionRequest = z.looseObject({
  model: modelName,
  messages: z.array(chatMessage).check(z.minLength(1), z.maxLength(100_000)),
  max_completion_tokens: z.optional(z.nullable(positiveInt(10_000_000))),
  ...samplingFields,
  ...streamFields,
});

export const completionRequest = z.looseObject({
  model: modelName,
  prompt: z.union([z.string(), z.array(z.string()), z.array(z.int()), z.array(z.array(z.int()))]),
  logprobs: z.optional(z.nullable(nonNegativeInt(20))),
  ...samplingFields,
  ...streamFields,
});

export const embeddingRequest = z.looseObject({
  model: modelName,
  input: z.union([
    z.string(),
    z.array(z.string()).check(z.minLength(1), z.maxLength(2048)),
    z.array(z.int()).check(z.minLength(1)),
    z.array(z.array(z.int())).check(z.minLength(1), z.maxLength(2048)),
  ]),
  dimensions: z.optional(positiveInt(65_536)),
  encoding_format: z.optional(z.enum(["float", "base64"])),
});

/** The Responses API is forwarded as is: only what routing needs is checked. */
export const responsesRequest = z.looseObject({
  model: modelName,
  ...streamFields,
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;
export type ForwardableRequest = {
  model: string;
  stream?: boolean | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
} & Record<string, unknown>;
