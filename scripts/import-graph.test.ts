// The worker and its Durable Objects import each other without a circle, the
// worker names the objects' classes only in the one stub module, and only the
// pipeline, the routes and the entry points touch Hono's Context or the pipeline.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { circles, contextImports, GRAPH_ROOTS, importEdges, pipelineImports } from "./import-graph";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const edges = importEdges(root, GRAPH_ROOTS);

describe("the worker's import graph", () => {
  it("sees the imports it walks", () => {
    expect(edges).toContainEqual({ from: "worker/index.ts", to: "worker/app.ts", typeOnly: false });
  });

  it("has no circle", () => {
    expect(circles(edges)).toEqual([]);
  });

  it("finds a circle when there is one", () => {
    const a = "worker/a.ts";
    const b = "worker/b.ts";
    expect(circles([{ from: a, to: b, typeOnly: true }, { from: b, to: a, typeOnly: false }])).toEqual([[a, b]]);
  });

  it("reaches durable-objects/ from worker/ only in the stub module, and there for types only", () => {
    const intoObjects = edges.filter((e) => e.from.startsWith("worker/") && e.to.startsWith("durable-objects/") && e.from !== "worker/index.ts");
    expect(intoObjects.length).toBeGreaterThan(0);
    for (const e of intoObjects) expect(e).toMatchObject({ from: "worker/objects/stubs.ts", typeOnly: true });
  });

  it("keeps Hono's Context in the pipeline, the routes and the entry points", () => {
    expect(contextImports(root, GRAPH_ROOTS)).toEqual([]);
  });

  it("is imported from worker/pipeline/ only by the pipeline, the routes and the entry points", () => {
    expect(edges.some((e) => e.from === "worker/routes/v1.ts" && e.to.startsWith("worker/pipeline/"))).toBe(true);
    expect(pipelineImports(edges)).toEqual([]);
  });

  it("finds an import into the pipeline from below", () => {
    const arrow = { from: "worker/billing/gate.ts", to: "worker/pipeline/facts.ts", typeOnly: true };
    expect(pipelineImports([arrow, { from: "worker/routes/v1.ts", to: "worker/pipeline/pipeline.ts", typeOnly: false }])).toEqual([arrow]);
  });

  it("keeps the wire schemas below the domain: worker/schemas/ imports only schemas and leaves", () => {
    const fromSchemas = edges.filter((e) => e.from.startsWith("worker/schemas/"));
    for (const e of fromSchemas) expect(e.to).toMatch(/^worker\/(schemas|vocabulary|http)\/|^worker\/own\.ts$/);
  });
});
