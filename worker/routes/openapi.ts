import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { openApiDocument } from "../openapi/document";

/** The API description, public (no auth): mounted at the root. */
export const openapi = new Hono<AppEnv>();

openapi.get("/openapi.json", (c) => c.json(openApiDocument()));
