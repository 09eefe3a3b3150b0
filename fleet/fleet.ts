// The default local dev fleet: five origins in different regions, exported
// as plain data so the dev seeder can register the same origins in the router.

import type { ProfileName } from "./gpu-profiles";
import type { MetricsFormat } from "./metrics";
import { startOrigin, type OriginOptions, type RunningOrigin } from "./server";

export interface FleetOriginSpec {
  readonly id: string;
  /** Cloudflare-style region hint: enam, wnam, weur, apac, ... */
  readonly region: string;
  readonly lat: number;
  readonly lon: number;
  readonly profile: ProfileName;
  readonly models: readonly string[];
  /** USD per 1M tokens. */
  readonly price: { readonly input_per_m: number; readonly output_per_m: number };
  /** Extra delay before response headers; absent = 0. */
  readonly networkDelayMs?: number;
  /** Whose metric names GET /metrics uses (vLLM, SGLang, llama.cpp); absent = "vllm". */
  readonly metricsFormat?: MetricsFormat;
  /** KV capacity in blocks of 16 tokens; absent = the profile's GPU and model. */
  readonly kvBlocks?: number;
}

export const DEFAULT_FLEET: readonly FleetOriginSpec[] = [
  { id: "us-east-large", region: "enam", lat: 39.04, lon: -77.49, profile: "llama-8b", models: ["llama-8b"], price: { input_per_m: 0.2, output_per_m: 0.6 }, networkDelayMs: 2 },
  { id: "eu-west-large", region: "weur", lat: 53.35, lon: -6.26, profile: "llama-8b", models: ["llama-8b"], price: { input_per_m: 0.22, output_per_m: 0.66 }, networkDelayMs: 2 },
  { id: "us-west-small", region: "wnam", lat: 37.37, lon: -121.92, profile: "llama-1.5b", models: ["llama-1.5b"], price: { input_per_m: 0.03, output_per_m: 0.06 } },
  { id: "ap-northeast-small", region: "apac", lat: 35.68, lon: 139.69, profile: "llama-1.5b", models: ["llama-1.5b"], price: { input_per_m: 0.04, output_per_m: 0.08 } },
  { id: "eu-central-small", region: "weur", lat: 50.11, lon: 8.68, profile: "llama-1.5b", models: ["llama-1.5b"], price: { input_per_m: 0.035, output_per_m: 0.07 } },
];

export interface StartFleetOptions {
  /** First port; origin i listens on basePort + i. 0 (default) = all ephemeral. */
  basePort?: number;
  /** Time divisor for every origin. Default 1. */
  speed?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** Default DEFAULT_FLEET. */
  origins?: readonly FleetOriginSpec[];
  /** Extra per-origin options (faults, requireAuth, maxBatch, ...). */
  originOptions?: Partial<Omit<OriginOptions, "id" | "port" | "host" | "models" | "profile" | "speed">>;
}

export interface FleetMember {
  readonly spec: FleetOriginSpec;
  readonly origin: RunningOrigin;
}

export interface RunningFleet {
  /** In spec order. */
  readonly members: readonly FleetMember[];
  /** The origin with this id; throws if unknown. */
  get(id: string): RunningOrigin;
  close(): Promise<void>;
}

export async function startFleet(opts: StartFleetOptions = {}): Promise<RunningFleet> {
  const specs = opts.origins ?? DEFAULT_FLEET;
  const base = opts.basePort ?? 0;
  const results = await Promise.allSettled(
    specs.map((spec, i) =>
      startOrigin({
        networkDelayMs: spec.networkDelayMs,
        metricsFormat: spec.metricsFormat,
        kvBlocks: spec.kvBlocks,
        ...opts.originOptions,
        id: spec.id,
        port: base === 0 ? 0 : base + i,
        host: opts.host,
        models: [...spec.models],
        profile: spec.profile,
        speed: opts.speed,
      }),
    ),
  );
  const started = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) {
    // Do not leak the ones that did start (e.g. one port was taken).
    await Promise.all(started.map((o) => o.close()));
    throw failure.reason;
  }
  const members = specs.map((spec, i) => ({ spec, origin: started[i]! }));
  const byId = new Map(members.map((m) => [m.spec.id, m.origin]));
  return {
    members,
    get(id) {
      const o = byId.get(id);
      if (!o) throw new Error(`no origin ${id} in fleet`);
      return o;
    },
    close: async () => {
      await Promise.all(members.map((m) => m.origin.close()));
    },
  };
}
