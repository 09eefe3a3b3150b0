// Turns whatever a command threw into what the user reads: one line saying
// what went wrong (plus field errors, if any) and the exit code.
import { AdminApiError } from "../../harness/admin-client";
import { CliError } from "./command";
import { brief } from "./format";

export interface Failure {
  lines: string[];
  exitCode: number;
}

export function failureOf(err: unknown, routerUrl: string | undefined): Failure {
  if (err instanceof CliError) return { lines: [err.message, ...err.details], exitCode: err.exitCode };
  if (err instanceof AdminApiError) return { lines: apiFailure(err), exitCode: 1 };
  const cause = (err as { cause?: { message?: string } } | null)?.cause?.message;
  if (err instanceof TypeError && err.message === "fetch failed") {
    return { lines: [`cannot reach the router at ${routerUrl ?? "?"}: ${cause ?? err.message} (check MERIDIAN_URL or --url)`], exitCode: 1 };
  }
  return { lines: [err instanceof Error ? err.message : String(err)], exitCode: 1 };
}

function apiFailure(err: AdminApiError): string[] {
  if (err.status === 401) return ["the router refused the admin token (401): check MERIDIAN_ADMIN_TOKEN or --token"];
  const { message, code, errors } = err.error;
  const what = message ?? (brief(err.body, 200) || "no details");
  const fields = (errors ?? []).map((e) => `  ${e.path || "(document)"}: ${e.message}`);
  // The message already names the first invalid field; list them only when there are more.
  return [`${what} (${err.status}${code ? ` ${code}` : ""})`, ...(fields.length > 1 ? fields : [])];
}
