// Worker-thread entry: runs some policies and posts their results back.
import { parentPort, workerData } from "node:worker_threads";
import type { PolicyName } from "./policies";
import { runPolicies, type Setup } from "./setup";

const { setup, policies } = workerData as { setup: Setup; policies: PolicyName[] };
parentPort!.postMessage(runPolicies(setup, policies));
