// Read & validate: the body, read within the byte limit, parsed as strict
// JSON and checked against the endpoint's schema (400 or 413 otherwise); the
// request's facts start here.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { readJson } from "../http/body";
import { parseOrThrow } from "../schemas/validate";
import { RequestFacts, type Endpoint } from "./facts";

export async function read(c: Context<AppEnv>, endpoint: Endpoint): Promise<RequestFacts> {
  const received = Date.now();
  const { json, bytes } = await readJson(c.req.raw, c.get("settings").maxBodyBytes);
  // `meridian` steers the router and is not the origin's business.
  const { meridian: steering, ...body } = parseOrThrow(endpoint.schema, json);
  return new RequestFacts(c, endpoint, received, body, steering, bytes);
}
