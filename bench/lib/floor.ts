// The floor every overhead figure is compared with: a pass-through Worker
// (floor-worker.js) in the same runtime as the router — its own workerd,
// started through the same Miniflare API, direct socket, same compatibility
// date and flags — in front of the same origin.

import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { clkTck } from "../../harness/clock-ticks";
import { childPids, processCpuSeconds, runtimeVersions } from "../../harness/router";

const WORKER = fileURLToPath(new URL("./floor-worker.js", import.meta.url));
/** A worker that reads what it relays in JavaScript (the request, a JSON answer, a stream chunk by chunk) and does nothing else (js-relay-worker.js). */
export const JS_RELAY_WORKER = fileURLToPath(new URL("./js-relay-worker.js", import.meta.url));
const WRANGLER_TOML = fileURLToPath(new URL("../../wrangler.toml", import.meta.url));

export interface RunningFloor {
  /** Base URL: `${url}/chat/completions` reaches `${origin}/chat/completions`. */
  url: string;
  pid: number;
  description: string;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The router's compatibility date and flags, so both workers run the same runtime behaviour. */
function compatibility(): { date: string; flags: string[] } {
  const toml = readFileSync(WRANGLER_TOML, "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return { date, flags: flags ? [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : [] };
}

export async function startFloor(originBaseUrl: string, opts: { host?: string; scriptPath?: string } = {}): Promise<RunningFloor> {
  const host = opts.host ?? "127.0.0.1";
  const { date, flags } = compatibility();
  const before = childPids("workerd");
  const mf = new Miniflare({
    host,
    port: 0,
    modules: true,
    scriptPath: opts.scriptPath ?? WORKER,
    // Module names are relative to the script's folder (a bundle may live in a temporary one).
    modulesRoot: dirname(opts.scriptPath ?? WORKER),
    compatibilityDate: date,
    compatibilityFlags: flags,
    bindings: { ORIGIN: originBaseUrl },
    logRequests: false,
    unsafeDirectSockets: [{ host, port: 0 }],
    stripCfConnectingIp: false,
  });
  try {
    await mf.ready;
    const url = (await mf.unsafeGetDirectURL()).origin;
    const started = [...childPids("workerd")].filter((p) => !before.has(p));
    if (started.length !== 1) throw new Error(`expected one new workerd child process for the floor, found ${started.length}`);
    const pid = started[0]!;
    const ticks = await clkTck();
    const v = runtimeVersions();
    return {
      url,
      pid,
      description: `${opts.scriptPath ? opts.scriptPath.split("/").pop() : "floor-worker.js (fetch(origin + path, request))"} in workerd ${v.workerd} (pid ${pid}), same API, direct socket`,
      cpuSeconds: () => processCpuSeconds(pid, ticks),
      stop: () => mf.dispose(),
    };
  } catch (err) {
    await mf.dispose().catch(() => undefined);
    throw err;
  }
}
