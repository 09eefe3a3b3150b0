// How many clock ticks make a second in /proc's CPU times: the router runner
// reads workerd's CPU from there, and the bench reads its own and the machine's.
import { spawn } from "node:child_process";

let clockTicks: number | undefined;

/** Clock ticks per second of /proc times (getconf CLK_TCK; 100 if unknown). */
export async function clkTck(): Promise<number> {
  if (clockTicks === undefined) {
    clockTicks = await new Promise<number>((resolve) => {
      const child = spawn("getconf", ["CLK_TCK"], { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.on("error", () => resolve(100));
      child.on("close", () => {
        const n = Number(out.trim());
        resolve(Number.isFinite(n) && n > 0 ? n : 100);
      });
    });
  }
  return clockTicks;
}
