import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { ApiError, notFound } from "../../http/errors";
import { remember } from "../../origins/snapshot";
import { originCreate, originInput, originPatch, type Origin } from "../../schemas/admin";
import { parseOrThrow } from "../../schemas/validate";
import { body, param } from "./shared";
import { originRegistry } from "../../objects/stubs";

/** Register, update, drain and delete origins. */
export const origins = new Hono<AppEnv>();

/** Origin secrets are write-only: reads show that auth is set, not its value. */
function redact(origin: Origin) {
  return origin.auth ? { ...origin, auth: { header: origin.auth.header, value: "[redacted]" } } : origin;
}

origins.get("/origins", async (c) => {
  const list = await originRegistry(c.env).list();
  return c.json({ object: "list", data: list.map(redact) });
});

origins.get("/origins/:id", async (c) => {
  const origin = await originRegistry(c.env).get(param(c.req.param("id"), "origin id"));
  if (!origin) throw notFound(`No origin '${c.req.param("id")}'.`, "origin_not_found");
  return c.json(redact(origin));
});

origins.post("/origins", async (c) => {
  const { id, ...input } = parseOrThrow(originCreate, await body(c));
  const stub = originRegistry(c.env);
  const result = await stub.put(id, input, true);
  if (!result) throw new ApiError(409, `Origin '${id}' already exists: use PUT to replace it.`, "invalid_request_error", "origin_exists");
  remember(await stub.snapshot());
  return c.json(redact(result.origin), 201);
});

origins.put("/origins/:id", async (c) => {
  const id = param(c.req.param("id"), "origin id");
  const input = parseOrThrow(originInput, await body(c));
  const stub = originRegistry(c.env);
  const result = (await stub.put(id, input))!;
  remember(await stub.snapshot());
  return c.json(redact(result.origin), result.created ? 201 : 200);
});

origins.patch("/origins/:id", async (c) => {
  const id = param(c.req.param("id"), "origin id");
  const changes = parseOrThrow(originPatch, await body(c));
  const stub = originRegistry(c.env);
  const origin = await stub.patch(id, changes);
  if (!origin) throw notFound(`No origin '${id}'.`, "origin_not_found");
  remember(await stub.snapshot());
  return c.json(redact(origin));
});

origins.delete("/origins/:id", async (c) => {
  const id = param(c.req.param("id"), "origin id");
  const stub = originRegistry(c.env);
  if (!(await stub.delete(id))) throw notFound(`No origin '${id}'.`, "origin_not_found");
  remember(await stub.snapshot());
  return c.json({ id, object: "origin", deleted: true });
});
