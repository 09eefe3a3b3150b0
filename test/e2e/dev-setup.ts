// Starts the real `npm run dev` (fleet + wrangler dev + seeding) on free ports
// with its own state and secrets, waits for its MERIDIAN_READY line, and stops
// its whole process group afterwards.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

export interface DevSetup {
  url: string;
  demoKey: string;
  adminToken: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    dev: DevSetup;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "meridian-e2e-"));
  const child = spawn("npm", ["run", "dev"], {
    env: {
      ...process.env,
      PORT: String(await freePort()),
      FLEET_PORT: "0",
      FLEET_SPEED: "20",
      MERIDIAN_DEV_VARS: join(dir, "dev.vars"),
      MERIDIAN_STATE_DIR: join(dir, "state"),
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });

  let output = "";
  const ready = new Promise<DevSetup>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run dev was not ready in 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^MERIDIAN_READY (.*)$/m.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line[1]!) as DevSetup);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`npm run dev exited with ${code}:\n${output}`)));
  });

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    project.provide("dev", await ready);
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
