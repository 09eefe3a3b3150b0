// Every command the CLI has, in the order help lists them.
import type { Command } from "../command";
import { BATCH_COMMANDS } from "./batches";
import { KEY_COMMANDS } from "./keys";
import { MONEY_COMMANDS } from "./money";
import { RULES_COMMANDS } from "./rules";
import { STATEMENT_COMMANDS } from "./statements";
import { TENANT_COMMANDS } from "./tenants";

export const COMMANDS: readonly Command[] = [...RULES_COMMANDS, ...KEY_COMMANDS, ...TENANT_COMMANDS, ...MONEY_COMMANDS, ...STATEMENT_COMMANDS, ...BATCH_COMMANDS];
