// One scenario per fault the fleet can inject (fleet/faults.ts), plus a kill.
// Each runs against a fresh origin; `inject` turns the fault on mid-run,
// the run then clears every fault (a killed origin comes back on the same port).

import type { Faults } from "../../fleet/faults";

export interface FaultScenario {
  id: string;
  /** What the origin does, for the table. */
  fault: string;
  /** A partial Faults to set, or "kill" to close the server. */
  inject: Partial<Faults> | "kill";
}

export const SCENARIOS: readonly FaultScenario[] = [
  { id: "killed", fault: "server closed mid-run", inject: "kill" },
  { id: "hang", fault: "hangs before the first byte", inject: { hang: true } },
  { id: "http-500", fault: "every request answers 500", inject: { errorRate: 1 } },
  { id: "http-429", fault: "429 with Retry-After: 2", inject: { status429: { retryAfterSeconds: 2 } } },
  { id: "reset", fault: "resets every connection", inject: { reset: true } },
  { id: "cut-stream", fault: "cuts streams after 3 tokens", inject: { dropAfterTokens: 3 } },
  { id: "malformed", fault: "malformed SSE / JSON", inject: { malformed: true } },
];

