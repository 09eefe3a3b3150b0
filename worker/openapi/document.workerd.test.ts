import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../app";
import { STEERING_HEADERS } from "../routing/policy";
import { openApiDocument } from "./document";

type Json = Record<string, any>;
const doc = openApiDocument() as Json;
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function resolve(pointer: string): unknown {
  expect(pointer.startsWith("#/"), `only local refs: ${pointer}`).toBe(true);
  return pointer
    .slice(2)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Json)[key] : undefined), doc);
}

const deref = (node: Json): Json => (typeof node.$ref === "string" ? (resolve(node.$ref) as Json) : node);

function operations(): [path: string, method: string, op: Json][] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => [path, method, op as Json] as [string, string, Json]),
  );
}

describe("openApiDocument", () => {
  it("is a structurally valid OpenAPI 3.1 document", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    expect(operations().length).toBeGreaterThan(0);

    const operationIds = new Set<string>();
    for (const [path, method, op] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(Object.keys(op.responses ?? {}).length, `${where} has responses`).toBeGreaterThan(0);
      for (const response of Object.values(op.responses as Json)) expect(deref(response as Json).description, where).toBeTruthy();
      expect(operationIds.has(op.operationId), `${where}: unique operationId`).toBe(false);
      operationIds.add(op.operationId);

      // Every {param} in the path is declared as a required path parameter, and nothing else is.
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = ((op.parameters ?? []) as Json[]).map(deref).filter((p) => p.in === "path");
      expect(declared.map((p) => p.name).sort(), `${where} path parameters`).toEqual([...inPath].sort());
      for (const p of declared) expect(p.required, `${where} ${p.name} required`).toBe(true);

      for (const requirement of (op.security ?? []) as Json[]) {
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes[scheme], `${where} scheme ${scheme}`).toBeDefined();
      }
    }
  });

  it("has every $ref resolve", () => {
    const refs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        for (const [key, value] of Object.entries(node)) {
          if (key === "$ref") refs.push(value as string);
          else walk(value);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined();
  });

  it("uses auth as declared: /v1 takes a tenant key, /admin the admin token (but the dashboard's sign-in form), the rest none", () => {
    for (const [path, method, op] of operations()) {
      const expected = path.startsWith("/v1/") ? [{ tenantKey: [] }] : path.startsWith("/admin/") && path !== "/admin/dashboard/sign-in" ? [{ adminToken: [] }] : [];
      expect(op.security, `${method.toUpperCase()} ${path}`).toEqual(expected);
    }
  });

  it("takes request bodies from the zod schemas, steering headers on the /v1 proxy routes", () => {
    const chat = doc.paths["/v1/chat/completions"].post;
    expect(chat.requestBody.content["application/json"].schema.required).toEqual(expect.arrayContaining(["model", "messages"]));
    const headers = (chat.parameters as Json[]).map(deref).filter((p) => p.in === "header").map((p) => p.name);
    expect(headers).toContain("x-meridian-policy");
    expect(headers).toContain("x-meridian-hedge");
    expect(doc.paths["/admin/v1/origins"].post.requestBody.content["application/json"].schema.required).toEqual(
      expect.arrayContaining(["id", "base_url", "region"]),
    );
  });

  it("documents every route registered on the app", () => {
    const registered = new Set(
      app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`),
    );
    const documented = new Set(operations().map(([path, method]) => `${method} ${path}`));
    expect(registered.size).toBeGreaterThan(10);
    expect([...registered].filter((r) => !documented.has(r)), "registered but not documented").toEqual([]);
    expect([...documented].filter((d) => !registered.has(d)), "documented but not registered").toEqual([]);
  });

  it("is memoised", () => {
    expect(openApiDocument()).toBe(doc);
  });
});

describe("GET /openapi.json", () => {
  it("serves the document without auth", async () => {
    const res = await exports.default.fetch("http://x/openapi.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual(doc);
  });
});

describe("steering headers", () => {
  it("documents exactly the headers the router reads", () => {
    const doc = openApiDocument() as { components: { parameters: Record<string, { name: string; in: string }> } };
    const documented = Object.entries(doc.components.parameters)
      .filter(([id]) => id.startsWith("steering."))
      .map(([, p]) => p)
      .filter((p) => p.in === "header" && p.name.startsWith("x-meridian-"))
      .map((p) => p.name)
      .sort();
    expect(documented).toEqual(Object.values(STEERING_HEADERS).sort());
  });
});
