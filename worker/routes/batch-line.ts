// One line of a batch, sent through the same request path as an interactive
// call (the pipeline: rules, admission, cache, routing, forwarding, metering),
// as the tenant and key that created the batch, flagged as batch traffic.
// The batch's object calls this with the origin its pacing chose; the line is
// pinned to it (the others follow, as failover).
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import type { BatchEndpoint } from "../batch/jsonl";
import type { LineAnswer, LineSender } from "../batch/protocol";
import { asApiError, unauthorized } from "../http/errors";
import { kvTenant } from "../kv-keys";
import { pipeline } from "../pipeline/pipeline";
import type { TenantRecord } from "../schemas/admin";
import { settings } from "../settings";
import { revocationBoundMs } from "../tenants/auth";
import { isRevoked } from "../tenants/revocations";
import { heardFromTenant } from "../tenants/rules-client";
import { CHAT, EMBEDDINGS } from "./v1";

/** Who each line in flight is sent as: set by `sendBatchLine`, read by the middleware, never from the request itself. */
const senders = new WeakMap<Request, { sender: LineSender; requestId: string }>();

const lines = new Hono<AppEnv>();
lines.use(async (c, next) => {
  const entry = senders.get(c.req.raw);
  if (!entry) throw unauthorized("Not a batch line.");
  const sender = entry.sender;
  const config = settings(c.env);
  c.set("settings", config);
  c.set("requestId", entry.requestId);
  // As an interactive call would be: the tenant still exists, and the key that created the batch
  // is not revoked (known to this isolate within the same bound as for interactive calls).
  const [tenant] = await Promise.all([
    c.env.KV.get<TenantRecord>(kvTenant(sender.tenantId), "json"),
    heardFromTenant(c.env, sender.tenantId, revocationBoundMs(config), config.rulesCheckMs, (p) => c.executionCtx.waitUntil(p)),
  ]);
  if (!tenant) throw unauthorized("The batch's tenant no longer exists.");
  if (isRevoked(sender.tenantId, sender.keyId)) throw unauthorized("The API key that created this batch was revoked.");
  // The key's own limits are the interactive pool's: batch lines count against the batch pool (limits/batch-pool.ts).
  c.set("caller", { tenant, keyId: sender.keyId, keyLimits: undefined });
  c.set("batch", sender.batchId);
  await next();
});
lines.onError((err, c) => asApiError(err, c.req.raw).toResponse());
lines.post("/v1/chat/completions", (c) => pipeline(c, CHAT));
lines.post("/v1/embeddings", (c) => pipeline(c, EMBEDDINGS));

export async function sendBatchLine(env: Env, waitUntil: (p: Promise<unknown>) => void, sender: LineSender, endpoint: BatchEndpoint, body: string, origin: string): Promise<LineAnswer> {
  const request = new Request(`https://batch.meridian.internal${endpoint}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-meridian-policy": "pinned", "x-meridian-pin": origin, "x-meridian-hedge": "off" },
    body,
  });
  // The same id on every attempt of a line (retries, or a resend after the object restarted), so
  // its usage record has the same id too and the ledger charges the line once (pipeline/meter.ts).
  const requestId = lineRequestId(sender);
  senders.set(request, { sender, requestId });
  const ctx: ExecutionContext = { waitUntil, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const response = await lines.fetch(request, env, ctx);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // kept as text
  }
  return { status: response.status, requestId, body: parsed };
}

/** `req_<batch id>_<line>`: a line's request id, the same on every attempt. */
export const lineRequestId = (sender: LineSender): string => `req_${sender.batchId}_${sender.line}`;
