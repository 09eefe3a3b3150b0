import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { DEFAULT_FLEET, startFleet } from "./fleet";

interface ModelList {
  data: { id: string }[];
}

/** A free base port with `n` free ports after it (best effort). */
async function freeBase(n: number): Promise<number> {
  const isFree = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await isFree(base + i);
    if (ok) return base;
  }
  throw new Error("no free port range");
}

describe("DEFAULT_FLEET", () => {
  it("has five origins, one profile each, serving their own model", () => {
    expect(DEFAULT_FLEET.map((o) => o.id)).toEqual([
      "us-east-large",
      "eu-west-large",
      "us-west-small",
      "ap-northeast-small",
      "eu-central-small",
    ]);
    for (const o of DEFAULT_FLEET) {
      expect(o.models).toEqual([o.profile]);
      expect(o.price.output_per_m).toBeGreaterThan(o.price.input_per_m);
    }
  });
});

describe("startFleet", () => {
  it("starts every origin on ephemeral ports", async () => {
    const fleet = await startFleet({ speed: 50 });
    try {
      const ports = fleet.members.map((m) => m.origin.port);
      expect(new Set(ports).size).toBe(5);
      for (const { spec, origin } of fleet.members) {
        expect(origin.id).toBe(spec.id);
        const list = (await (await fetch(`${origin.baseUrl}/models`)).json()) as ModelList;
        expect(list.data.map((m) => m.id)).toEqual(spec.models);
      }
      expect(fleet.get("eu-west-large").id).toBe("eu-west-large");
      expect(() => fleet.get("nope")).toThrow();
    } finally {
      await fleet.close();
    }
  });

  it("uses consecutive ports from basePort", async () => {
    const base = await freeBase(5);
    const fleet = await startFleet({ basePort: base, speed: 50 });
    try {
      expect(fleet.members.map((m) => m.origin.port)).toEqual([0, 1, 2, 3, 4].map((i) => base + i));
    } finally {
      await fleet.close();
    }
  });

  it("fails when one port is taken, without leaking the others", async () => {
    const base = await freeBase(5);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(base + 2, "127.0.0.1", r));
    try {
      await expect(startFleet({ basePort: base })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    // All five ports are free again.
    const fleet = await startFleet({ basePort: base });
    await fleet.close();
  });
});

describe("fleet/main.ts", () => {
  it("prints one JSON line per origin, then 'fleet ready', and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "fleet/main.ts"], {
      env: { ...process.env, FLEET_PORT: "0", FLEET_SPEED: "10" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: string) => {
        out += d;
        if (out.includes("fleet ready\n")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
    });
    const lines = out.trim().split("\n");
    expect(lines.at(-1)).toBe("fleet ready");
    const origins = lines.slice(0, -1).map((l) => JSON.parse(l) as { id: string; url: string });
    expect(origins.map((o) => o.id)).toEqual(DEFAULT_FLEET.map((o) => o.id));
    const health = await fetch(`${origins[0]!.url}/health`);
    expect(health.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
  }, 15000);
});
