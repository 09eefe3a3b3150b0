// `meridian batches create|list|get|cancel|results`: the Batch API, as a
// tenant uses it (docs/batch.md). These speak to /v1 with a tenant key
// (`--key` or $MERIDIAN_API_KEY), not the admin token.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { CliError, emit, intOption, stringOption, UsageError, type Command, type Context } from "../command";
import { count, table, when } from "../format";

const KEY_OPTION = { key: { type: "string", value: "key", help: "tenant API key (default: $MERIDIAN_API_KEY)" } } as const;

interface Batch {
  id: string;
  status: string;
  endpoint: string;
  created_at: number;
  expires_at: number;
  request_counts: { total: number; completed: number; failed: number };
  output_file_id: string | null;
  error_file_id: string | null;
  metadata: Record<string, string> | null;
}

function connection(ctx: Context): { url: string; key: string } {
  const url = stringOption(ctx, "url") ?? process.env.MERIDIAN_URL;
  const key = stringOption(ctx, "key") ?? process.env.MERIDIAN_API_KEY;
  if (!url) throw new UsageError("no router URL: set MERIDIAN_URL or pass --url");
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`the router URL must start with http:// or https://, got '${url}'`);
  if (!key) throw new UsageError("no tenant API key: set MERIDIAN_API_KEY or pass --key");
  return { url: url.replace(/\/+$/, ""), key };
}

/** One call to /v1; an error answer becomes one line with the API's message. */
async function v1(ctx: Context, method: string, path: string, body?: unknown): Promise<Response> {
  const { url, key } = connection(ctx);
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(`${url}/v1${path}`, init);
  if (!res.ok) {
    const text = await res.text();
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: the text as it is
    }
    throw new CliError(`${method} /v1${path} -> ${res.status}: ${message}`);
  }
  return res;
}

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

const progress = (b: Batch) => `${count(b.request_counts.completed)} done, ${count(b.request_counts.failed)} failed of ${count(b.request_counts.total)}`;

function batchLines(b: Batch): string {
  return [
    `${b.id}: ${b.status} (${progress(b)})`,
    `endpoint ${b.endpoint}; created ${when(b.created_at * 1000)}; expires ${when(b.expires_at * 1000)}`,
    `output file: ${b.output_file_id ?? "-"}; error file: ${b.error_file_id ?? "-"}`,
  ].join("\n");
}

const create: Command = {
  words: ["batches", "create"],
  args: ["file"],
  options: {
    ...KEY_OPTION,
    endpoint: { type: "string", value: "path", help: "the endpoint every line calls (default /v1/chat/completions; or /v1/embeddings)" },
    metadata: { type: "string", value: "k=v,...", help: "metadata to attach (up to 16 pairs)" },
  },
  summary: "upload a JSONL file of requests and start a batch (half price, done within 24 h)",
  async run(ctx) {
    const path = ctx.args.file!;
    const text = await readFile(path).catch(() => {
      throw new CliError(`cannot read ${path}`);
    });
    const form = new FormData();
    form.set("purpose", "batch");
    form.set("file", new File([text], basename(path)));
    const file = await json<{ id: string; bytes: number }>(await v1(ctx, "POST", "/files", form));
    const metadata = parseMetadata(stringOption(ctx, "metadata"));
    const batch = await json<Batch>(
      await v1(ctx, "POST", "/batches", { input_file_id: file.id, endpoint: stringOption(ctx, "endpoint") ?? "/v1/chat/completions", completion_window: "24h", ...(metadata ? { metadata } : {}) }),
    );
    emit(ctx, batch, () => `uploaded ${file.id} (${count(file.bytes)} bytes)\n${batchLines(batch)}`);
  },
};

function parseMetadata(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--metadata takes k=v pairs separated by commas, got '${pair}'`);
    Object.defineProperty(out, pair.slice(0, at), { value: pair.slice(at + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const list: Command = {
  words: ["batches", "list"],
  args: [],
  options: { ...KEY_OPTION, limit: { type: "string", value: "n", help: "at most this many (1..100, default 20)" }, after: { type: "string", value: "batch-id", help: "those older than this batch" } },
  summary: "list the tenant's batches, newest first",
  async run(ctx) {
    const query = new URLSearchParams();
    const limit = intOption(ctx, "limit");
    if (limit !== undefined) query.set("limit", String(limit));
    const after = stringOption(ctx, "after");
    if (after) query.set("after", after);
    const qs = query.toString();
    const page = await json<{ data: Batch[]; has_more: boolean }>(await v1(ctx, "GET", `/batches${qs ? `?${qs}` : ""}`));
    emit(ctx, page, () =>
      [
        table(page.data, [
          { title: "ID", value: (b) => b.id },
          { title: "STATUS", value: (b) => b.status },
          { title: "DONE", value: (b) => count(b.request_counts.completed), align: "right" },
          { title: "FAILED", value: (b) => count(b.request_counts.failed), align: "right" },
          { title: "TOTAL", value: (b) => count(b.request_counts.total), align: "right" },
          { title: "CREATED", value: (b) => when(b.created_at * 1000) },
        ]),
        ...(page.has_more ? [`(more: --after ${page.data.at(-1)?.id})`] : []),
      ].join("\n"),
    );
  },
};

const get: Command = {
  words: ["batches", "get"],
  args: ["batch"],
  options: KEY_OPTION,
  summary: "show a batch: status, progress, output and error files",
  async run(ctx) {
    const batch = await json<Batch>(await v1(ctx, "GET", `/batches/${encodeURIComponent(ctx.args.batch!)}`));
    emit(ctx, batch, () => batchLines(batch));
  },
};

const cancel: Command = {
  words: ["batches", "cancel"],
  args: ["batch"],
  options: KEY_OPTION,
  summary: "cancel a batch (lines not yet sent go to its error file)",
  async run(ctx) {
    const batch = await json<Batch>(await v1(ctx, "POST", `/batches/${encodeURIComponent(ctx.args.batch!)}/cancel`));
    emit(ctx, batch, () => batchLines(batch));
  },
};

const results: Command = {
  words: ["batches", "results"],
  args: ["batch"],
  options: { ...KEY_OPTION, errors: { type: "boolean", help: "print the error file instead of the output file" } },
  summary: "print a batch's output file (or --errors: its error file) as JSONL",
  async run(ctx) {
    const batch = await json<Batch>(await v1(ctx, "GET", `/batches/${encodeURIComponent(ctx.args.batch!)}`));
    const fileId = ctx.options.errors === true ? batch.error_file_id : batch.output_file_id;
    if (!fileId) throw new CliError(`${batch.id} has no ${ctx.options.errors === true ? "error" : "output"} file (status ${batch.status})`);
    const text = await (await v1(ctx, "GET", `/files/${encodeURIComponent(fileId)}/content`)).text();
    ctx.out.print(text.replace(/\n$/, ""));
  },
};

export const BATCH_COMMANDS: readonly Command[] = [create, list, get, cancel, results];
