// An origin's /metrics in the Prometheus text format (version 0.0.4), under
// the names a real engine uses, so that a parser for each can be tested
// against this server: vLLM (the default), SGLang, or llama.cpp's server.
// Pure: the engine's load in, the exposition text out.
//
// Names, help texts and label sets follow what those servers print:
//  - vLLM v1: gauges num_requests_waiting / _running and kv_cache_usage_perc
//    (0..1), counters prefix_cache_queries_total / _hits_total (tokens),
//    labelled engine="0" and model_name; values printed as Python floats;
//  - SGLang: num_queue_reqs, num_running_reqs, token_usage (0..1) and
//    cache_hit_rate (a gauge over its latest prefills; here the last 64
//    prompts), labelled engine_type="unified" and model_name;
//  - llama.cpp server: requests_processing, requests_deferred and
//    kv_cache_usage_ratio, without labels. (Recent llama.cpp releases
//    dropped kv_cache_usage_ratio: a reader must cope without it.)
import type { FleetEngineLoad } from "./engine";

export type MetricsFormat = "vllm" | "sglang" | "llamacpp";

export const METRICS_FORMATS: readonly MetricsFormat[] = ["vllm", "sglang", "llamacpp"];

export function isMetricsFormat(s: unknown): s is MetricsFormat {
  return s === "vllm" || s === "sglang" || s === "llamacpp";
}

/** What vLLM's and SGLang's Python client sends; llama.cpp's is close enough. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A label value: backslash, double quote and line feed escaped, as the format requires. */
export function labelValue(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/** Python's repr of a float, as prometheus_client prints it: 3.0, 0.25, 9.75e-06, NaN, +Inf. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  const abs = Math.abs(x);
  // Python switches to an exponent below 1e-4 and from 1e16 on, with at least two exponent digits.
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exp] = x.toExponential().split("e") as [string, string];
    const sign = exp[0] === "-" ? "-" : "+";
    return `${mantissa}e${sign}${exp.slice(1).padStart(2, "0")}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** llama.cpp prints integers bare and other values with C++'s default stream precision. */
function cppNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly value: number;
}

function expose(metrics: readonly Metric[], labels: string, format: (x: number) => string): string {
  let out = "";
  for (const m of metrics) {
    out += `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n${m.name}${labels} ${format(m.value)}\n`;
  }
  return out;
}

export function renderMetrics(format: MetricsFormat, modelName: string, load: FleetEngineLoad): string {
  const model = labelValue(modelName);
  switch (format) {
    case "vllm":
      return expose(
        [
          { name: "vllm:num_requests_running", help: "Number of requests in model execution batches.", type: "gauge", value: load.running },
          { name: "vllm:num_requests_waiting", help: "Number of requests waiting to be processed.", type: "gauge", value: load.waiting },
          { name: "vllm:kv_cache_usage_perc", help: "KV-cache usage. 1 means 100 percent usage.", type: "gauge", value: load.kvUsage },
          {
            name: "vllm:prefix_cache_queries_total",
            help: "Prefix cache queries, in terms of number of queried tokens.",
            type: "counter",
            value: load.prefixQueriedTokens,
          },
          {
            name: "vllm:prefix_cache_hits_total",
            help: "Prefix cache hits, in terms of number of cached tokens.",
            type: "counter",
            value: load.prefixHitTokens,
          },
        ],
        `{engine="0",model_name="${model}"}`,
        pythonFloat,
      );
    case "sglang":
      return expose(
        [
          { name: "sglang:num_running_reqs", help: "The number of running requests.", type: "gauge", value: load.running },
          { name: "sglang:num_queue_reqs", help: "The number of requests in the waiting queue.", type: "gauge", value: load.waiting },
          { name: "sglang:token_usage", help: "The token usage.", type: "gauge", value: load.kvUsage },
          { name: "sglang:cache_hit_rate", help: "The prefix cache hit rate.", type: "gauge", value: load.recentHitRate },
        ],
        `{engine_type="unified",model_name="${model}"}`,
        pythonFloat,
      );
    case "llamacpp":
      return expose(
        [
          { name: "llamacpp:kv_cache_usage_ratio", help: "KV-cache usage. 1 means 100 percent usage.", type: "gauge", value: load.kvUsage },
          { name: "llamacpp:requests_processing", help: "Number of requests processing.", type: "gauge", value: load.running },
          { name: "llamacpp:requests_deferred", help: "Number of requests deferred.", type: "gauge", value: load.waiting },
        ],
        "",
        cppNumber,
      );
  }
}
