import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { authenticated } from "../pipeline/authenticate";
import { pipeline, type Endpoint } from "../pipeline/pipeline";
import { chatCompletionRequest, completionRequest, embeddingRequest, responsesRequest } from "../schemas/openai";
import { cancelBatch, createBatch, listBatches, retrieveBatch } from "./batches";
import { postFeedback } from "./feedback";
import { fileContent, retrieveFile, uploadFile } from "./files";
import { listModels } from "./models";
import { ownUsage } from "./usage";

/** The OpenAI-compatible API, for tenants. */
export const v1 = new Hono<AppEnv>();

export const CHAT: Endpoint = { path: "/chat/completions", schema: chatCompletionRequest, expectDone: true, cacheable: true };
const COMPLETIONS: Endpoint = { path: "/completions", schema: completionRequest, expectDone: true, cacheable: true };
export const EMBEDDINGS: Endpoint = { path: "/embeddings", schema: embeddingRequest, expectDone: false, cacheable: false, generates: false };
const RESPONSES: Endpoint = { path: "/responses", schema: responsesRequest, expectDone: false, cacheable: false };

v1.use(authenticated);

v1.post("/chat/completions", (c) => pipeline(c, CHAT));
v1.post("/completions", (c) => pipeline(c, COMPLETIONS));
v1.post("/embeddings", (c) => pipeline(c, EMBEDDINGS));
v1.post("/responses", (c) => pipeline(c, RESPONSES));

v1.get("/models", listModels);

v1.get("/usage", ownUsage);
v1.post("/feedback", postFeedback);

// The Batch API (docs/batch.md).
v1.post("/files", uploadFile);
v1.get("/files/:id", retrieveFile);
v1.get("/files/:id/content", fileContent);
v1.post("/batches", createBatch);
v1.get("/batches", listBatches);
v1.get("/batches/:id", retrieveBatch);
v1.post("/batches/:id/cancel", cancelBatch);
