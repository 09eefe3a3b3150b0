// The relative-import graph of the worker and its Durable Objects: prints every
// import circle, every arrow that points up the layer order below, and every
// crossing of the request pipeline's boundary (Hono's `Context` or an import of
// worker/pipeline/ outside the pipeline, the routes and the entry points); exits 1
// on a circle or a crossing (upward arrows are reported, not fatal).
//   npx tsx scripts/import-graph.ts
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Low to high: a file may import its own layer and the layers below it. */
const LAYERS: { name: string; paths: string[] }[] = [
  { name: "base", paths: ["worker/http/", "worker/vocabulary/", "worker/env.ts", "worker/settings.ts", "worker/own.ts", "worker/modules.d.ts"] },
  { name: "schemas", paths: ["worker/schemas/"] },
  { name: "domain", paths: ["worker/"] },
  { name: "pipeline", paths: ["worker/pipeline/"] },
  { name: "surface", paths: ["worker/routes/", "worker/dashboard/", "worker/openapi/", "worker/isolate/structures.ts"] },
  { name: "objects", paths: ["durable-objects/"] },
  { name: "entry", paths: ["worker/app.ts", "worker/index.ts"] },
];

/** The one module that reaches Durable Objects may name their classes (types only). */
const STUB_MODULE = "worker/objects/stubs.ts";

/** Only these touch Hono's `Context` or import the pipeline: the domain below takes plain values. */
const PIPELINE_SIDE = ["worker/pipeline/", "worker/routes/", "worker/app.ts", "worker/index.ts"];

/** The layer of a file: the entry whose path matches longest. */
export function layerOf(file: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((layer, index) => {
    for (const path of layer.paths) {
      const matches = path.endsWith("/") ? file.startsWith(path) : file === path;
      if (matches && path.length > bestLength) {
        best = index;
        bestLength = path.length;
      }
    }
  });
  return best;
}

const SOURCE = /\.(ts|tsx)$/;
const TEST = /\.test\.tsx?$/;

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(root, path);
    return SOURCE.test(name) && !TEST.test(name) ? [path] : [];
  });
}

// Statements that start a line: `import … from "./x"`, `export … from "./x"`, `import "./x"`,
// and `import("./x")` anywhere.
const STATIC = /^\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*["'](\.[^"']*)["']|^\s*import\s*["'](\.[^"']*)["']/gm;
const DYNAMIC = /import\(\s*["'](\.[^"']*)["']\s*\)/g;

function resolveImport(root: string, from: string, specifier: string, known: Set<string>): string | undefined {
  const base = relative(root, resolve(root, dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) {
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

const listFiles = (root: string, dirs: string[]) => dirs.flatMap((dir) => sourceFiles(root, dir)).map((f) => f.split("\\").join("/"));

/** Every relative import between source files (tests excluded) under the given folders. */
export function importEdges(root: string, dirs: string[]): ImportEdge[] {
  const files = listFiles(root, dirs);
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), "utf8");
    for (const m of text.matchAll(STATIC)) {
      const specifier = m[4] ?? m[5]!;
      const clause = m[3] ?? "";
      // `import { type A, type B } from` is as type-only as `import type { A, B } from`.
      const names = /^\{([^}]*)\}$/.exec(clause.trim())?.[1]?.split(",").map((s) => s.trim()).filter(Boolean);
      const typeOnly = Boolean(m[2]) || (names !== undefined && names.length > 0 && names.every((n) => n.startsWith("type ")));
      const to = resolveImport(root, from, specifier, known);
      if (to) edges.push({ from, to, typeOnly });
    }
    for (const m of text.matchAll(DYNAMIC)) {
      const to = resolveImport(root, from, m[1]!, known);
      if (to) edges.push({ from, to, typeOnly: false });
    }
  }
  return edges;
}

/** Each circle once, as the files on it (Tarjan's strongly connected components, size > 1 or a self-import). */
export function circles(edges: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (next.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of next.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** Arrows from a lower layer to a higher one (the stub module's type-only imports of the objects are allowed). */
export function upwardArrows(edges: ImportEdge[]): ImportEdge[] {
  return edges.filter((e) => {
    if (e.from === STUB_MODULE && e.typeOnly && e.to.startsWith("durable-objects/")) return false;
    return layerOf(e.to) > layerOf(e.from);
  });
}

const onPipelineSide = (file: string) => PIPELINE_SIDE.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p));

/** A source file that imports Hono's `Context` type (or class), in any import form. */
const HONO_CONTEXT = /^\s*import\s+(?:type\s+)?\{[^}]*\bContext\b[^}]*\}\s*from\s*["']hono["']/m;

/** Files outside the pipeline side that import Hono's `Context`. */
export function contextImports(root: string, dirs: string[]): string[] {
  return listFiles(root, dirs).filter((f) => !onPipelineSide(f) && HONO_CONTEXT.test(readFileSync(join(root, f), "utf8")));
}

/** Imports of worker/pipeline/ from outside the pipeline side. */
export function pipelineImports(edges: ImportEdge[]): ImportEdge[] {
  return edges.filter((e) => e.to.startsWith("worker/pipeline/") && !onPipelineSide(e.from));
}

export const GRAPH_ROOTS = ["worker", "durable-objects"];

function main(): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const edges = importEdges(root, GRAPH_ROOTS);
  const found = circles(edges);
  const upward = upwardArrows(edges);
  const context = contextImports(root, GRAPH_ROOTS);
  const intoPipeline = pipelineImports(edges);
  for (const circle of found) console.log(`circle: ${circle.join(" <-> ")}`);
  for (const file of context) console.log(`context: ${file} imports Hono's Context outside the pipeline and the routes`);
  for (const e of intoPipeline) console.log(`into the pipeline: ${e.from} -> ${e.to}`);
  for (const e of upward) {
    console.log(`upward: ${e.from} (${LAYERS[layerOf(e.from)]!.name}) -> ${e.to} (${LAYERS[layerOf(e.to)]!.name})${e.typeOnly ? " [type]" : ""}`);
  }
  const crossings = context.length + intoPipeline.length;
  console.log(`${edges.length} imports, ${found.length} circle(s), ${upward.length} upward arrow(s), ${crossings} pipeline boundary crossing(s)`);
  return found.length > 0 || crossings > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
