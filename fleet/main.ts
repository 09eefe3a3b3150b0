// CLI: `tsx fleet/main.ts` runs the default fleet for `npm run dev`.
// Env: FLEET_PORT (base port, default 9100), FLEET_HOST (default 127.0.0.1),
// FLEET_SPEED (default 1). Prints one JSON line per origin, then "fleet ready".

import { startFleet } from "./fleet";

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const fleet = await startFleet({
  basePort: envNumber("FLEET_PORT", 9100),
  host: process.env.FLEET_HOST || "127.0.0.1",
  speed: envNumber("FLEET_SPEED", 1) || 1,
});
for (const { spec, origin } of fleet.members) {
  console.log(JSON.stringify({ id: spec.id, url: origin.url }));
}
console.log("fleet ready");

let stopping = false;
const stop = (): void => {
  if (stopping) process.exit(1); // second signal: give up waiting
  stopping = true;
  fleet.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
