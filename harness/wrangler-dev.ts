// Runs `wrangler dev` as a child process we can stop by PID, and waits until
// the router answers. Wrangler is started through node directly (not npx) so
// that SIGTERM reaches the process that owns workerd.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));

export interface WranglerDevOptions {
  port: number;
  host?: string;
  /** Where KV and Durable Object state persist (`--persist-to`). */
  stateDir?: string;
  /** The dev vars file (`--env-file`). */
  envFile: string;
  /** Forward wrangler's output to ours. */
  verbose?: boolean;
}

export interface WranglerDev {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startWranglerDev(options: WranglerDevOptions): Promise<WranglerDev> {
  const host = options.host ?? "127.0.0.1";
  const args = [WRANGLER, "dev", "--ip", host, "--port", String(options.port), "--env-file", options.envFile, "--show-interactive-dev-session=false"];
  if (options.stateDir) args.push("--persist-to", options.stateDir);
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends workerd too
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
    if (options.verbose) process.stderr.write(chunk);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);

  const url = `http://${host}:${options.port}`;
  const stop = () => stopGroup(child);
  try {
    await waitForHealth(url, child, () => log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, process: child, stop };
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not become healthy within 60 s:\n${log()}`);
}

function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => signal(child.pid!, "SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    signal(child.pid!, "SIGTERM");
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}
