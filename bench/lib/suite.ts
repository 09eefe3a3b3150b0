// What run.ts hands each suite.
import type { BenchConfig } from "./config";

export interface SuiteContext {
  config: BenchConfig;
  /** Aborted on Ctrl-C / SIGTERM: stop starting work and return. */
  signal: AbortSignal;
  /** Registers a cleanup step; run.ts runs them in reverse order at the end or on Ctrl-C. */
  defer(fn: () => Promise<unknown> | unknown): void;
  /** A progress line (stderr, so stdout holds only the report). */
  progress(message: string): void;
}

export interface Suite {
  /** For BENCH_SUITES. */
  id: string;
  name: string;
  /** Scenario ids BENCH_SCENARIOS can pick, for suites that have scenarios. */
  scenarios?: readonly string[];
  run(ctx: SuiteContext): Promise<void>;
}
