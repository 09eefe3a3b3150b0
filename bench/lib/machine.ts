// Facts about the machine and the measured sources, for the report header.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

function cpuModel(): string {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown";
}

export interface MachineFacts {
  node: string;
  cpus: number;
  model: string;
  memoryGiB: number;
  loadAvg: number;
}

export function machineFacts(): MachineFacts {
  return {
    node: process.version,
    cpus: availableParallelism(),
    model: cpuModel(),
    memoryGiB: totalmem() / 2 ** 30,
    loadAvg: loadavg()[0]!,
  };
}

/** Which Meridian was measured: the commit, and whether the worker sources differ from it. */
export function sourceFacts(root: string): string {
  const git = (...args: string[]): string | null => {
    try {
      return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const head = git("rev-parse", "--short", "HEAD");
  if (head === null) return "not a git checkout";
  const dirty = git("status", "--porcelain", "--", "worker", "durable-objects", "wrangler.toml", "package-lock.json");
  const changed = dirty ? dirty.split("\n").filter(Boolean).length : 0;
  return changed ? `commit ${head} + uncommitted changes in ${changed} worker file(s)` : `commit ${head}, worker sources clean`;
}

/**
 * CPU ticks of the whole machine (busy, all cores) and of this process plus
 * its reaped children (workerd and wrangler once stopped). The difference over
 * a run is what other processes used: a noisy neighbour shows up there.
 */
export function cpuTicks(): { machine: number; own: number } | null {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system (idle iowait irq softirq steal ...): only time that processes are charged
    // for, so this run's own loopback traffic (softirq) does not count as someone else's.
    const machine = cpu[0]! + cpu[1]! + cpu[2]!;
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields 14-17: utime stime cutime cstime (f[0] is field 3)
    const own = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { machine, own };
  } catch {
    return null;
  }
}
