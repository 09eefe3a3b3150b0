import { describe, expect, it } from "vitest";
import { hitRateSince, MAX_METRICS_CHARS, parseEngineMetrics } from "./engine-metrics";

const MODEL = "meta-llama/Llama-3.1-8B-Instruct";

// Shaped like vLLM's v1 engine exposition: HELP/TYPE lines, an `engine` and a `model_name` label, histograms we skip.
const vllm = (waiting: number, running: number, kv: number, queries: number, hits: number, engine = "0") => `
# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="${engine}",model_name="${MODEL}"} ${running}.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="${engine}",model_name="${MODEL}"} ${waiting}.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="${engine}",model_name="${MODEL}"} ${kv}
# HELP vllm:prefix_cache_queries_total Prefix cache queries, in terms of number of queried tokens.
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{engine="${engine}",model_name="${MODEL}"} ${queries}.0
# HELP vllm:prefix_cache_hits_total Prefix cache hits, in terms of number of cached tokens.
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{engine="${engine}",model_name="${MODEL}"} ${hits}.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="${engine}",le="0.001",model_name="${MODEL}"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="${engine}",le="+Inf",model_name="${MODEL}"} 42.0
vllm:time_to_first_token_seconds_count{engine="${engine}",model_name="${MODEL}"} 42.0
vllm:num_requests_waiting_by_reason{engine="${engine}",model_name="${MODEL}",reason="capacity"} 999.0
`;

const SGLANG = `# HELP sglang:num_running_reqs The number of running requests.
# TYPE sglang:num_running_reqs gauge
sglang:num_running_reqs{model_name="${MODEL}"} 12.0
# HELP sglang:num_queue_reqs The number of requests in the waiting queue.
# TYPE sglang:num_queue_reqs gauge
sglang:num_queue_reqs{model_name="${MODEL}"} 4.0
# HELP sglang:token_usage The token usage.
# TYPE sglang:token_usage gauge
sglang:token_usage{model_name="${MODEL}"} 0.28
# HELP sglang:cache_hit_rate The prefix cache hit rate.
# TYPE sglang:cache_hit_rate gauge
sglang:cache_hit_rate{model_name="${MODEL}"} 0.73
# HELP sglang:gen_throughput The generation throughput (token/s).
# TYPE sglang:gen_throughput gauge
sglang:gen_throughput{model_name="${MODEL}"} 512.3
`;

// llama.cpp's server (`--metrics`): no labels, plain integers.
const LLAMACPP = `# HELP llamacpp:prompt_tokens_total Number of prompt tokens processed.
# TYPE llamacpp:prompt_tokens_total counter
llamacpp:prompt_tokens_total 1234
# HELP llamacpp:kv_cache_usage_ratio KV-cache usage. 1 means 100 percent usage.
# TYPE llamacpp:kv_cache_usage_ratio gauge
llamacpp:kv_cache_usage_ratio 0.5
# HELP llamacpp:requests_processing Number of requests processing.
# TYPE llamacpp:requests_processing gauge
llamacpp:requests_processing 2
# HELP llamacpp:requests_deferred Number of requests deferred.
# TYPE llamacpp:requests_deferred gauge
llamacpp:requests_deferred 5
`;

describe("parseEngineMetrics", () => {
  it("reads vLLM's queue, batch and KV use, and the prefix hit rate from the counters' growth", () => {
    const first = parseEngineMetrics(vllm(7, 3, 0.42, 10_000, 6_000), "vllm", null, 1000)!;
    expect(first.load).toEqual({ waiting: 7, running: 3, kvUsage: 0.42, prefixHitRate: null, at: 1000 });
    expect(first.counters).toEqual({ queries: 10_000, hits: 6_000 });
    // 2,000 more tokens queried, 1,800 of them hits: 90% since the last reading (not 62.5% since start).
    const second = parseEngineMetrics(vllm(0, 1, 0.4, 12_000, 7_800), "vllm", first.counters, 3000)!;
    expect(second.load.prefixHitRate).toBeCloseTo(0.9);
    // No queries in between: nothing to say.
    expect(parseEngineMetrics(vllm(0, 0, 0.4, 12_000, 7_800), "vllm", second.counters, 5000)!.load.prefixHitRate).toBeNull();
  });

  it("sums queues over engines and models and averages KV use", () => {
    const text = vllm(2, 1, 0.2, 100, 50, "0") + vllm(4, 3, 0.6, 300, 150, "1");
    const r = parseEngineMetrics(text, "vllm", { queries: 200, hits: 100 }, 1)!;
    expect([r.load.waiting, r.load.running]).toEqual([6, 4]);
    expect(r.load.kvUsage).toBeCloseTo(0.4);
    expect(r.counters).toEqual({ queries: 400, hits: 200 });
    expect(r.load.prefixHitRate).toBeCloseTo(0.5);
  });

  it("treats a counter that went down as reset (the engine restarted): counts from zero", () => {
    const r = parseEngineMetrics(vllm(0, 0, 0, 1_000, 250), "vllm", { queries: 50_000, hits: 40_000 }, 1)!;
    expect(r.load.prefixHitRate).toBeCloseTo(0.25);
  });

  it("reads vLLM's older names (gpu_cache_usage_perc, gpu_prefix_cache_*)", () => {
    const text = `vllm:num_requests_waiting{model_name="m"} 1\nvllm:num_requests_running{model_name="m"} 2\nvllm:gpu_cache_usage_perc{model_name="m"} 0.3\nvllm:gpu_prefix_cache_queries_total{model_name="m"} 10\nvllm:gpu_prefix_cache_hits_total{model_name="m"} 5\n`;
    const r = parseEngineMetrics(text, "vllm", { queries: 0, hits: 0 }, 1)!;
    expect(r.load).toMatchObject({ waiting: 1, running: 2, kvUsage: 0.3, prefixHitRate: 0.5 });
  });

  it("reads SGLang's gauges, hit rate included", () => {
    const r = parseEngineMetrics(SGLANG, "sglang", null, 7)!;
    expect(r.load).toEqual({ waiting: 4, running: 12, kvUsage: 0.28, prefixHitRate: 0.73, at: 7 });
    expect(r.counters).toBeNull();
  });

  it("reads llama.cpp's server: deferred is the queue, processing the batch, no hit rate", () => {
    expect(parseEngineMetrics(LLAMACPP, "llamacpp", null, 7)!.load).toEqual({ waiting: 5, running: 2, kvUsage: 0.5, prefixHitRate: null, at: 7 });
    // Builds without the KV gauge: not held back by what they do not say.
    const noKv = LLAMACPP.replace(/^llamacpp:kv_cache_usage_ratio.*$/m, "");
    expect(parseEngineMetrics(noKv, "llamacpp", null, 7)!.load.kvUsage).toBe(0);
  });

  it("takes CRLF line ends, timestamps after the value, and quoted braces and quotes in labels", () => {
    const text = `vllm:num_requests_waiting{model_name="a}b\\"c",x="{"} 3 1700000000000\r\nvllm:num_requests_running 1\r\n`;
    expect(parseEngineMetrics(text, "vllm", null, 1)!.load).toMatchObject({ waiting: 3, running: 1 });
  });

  it("is null when nothing usable is there: empty, HTML, another engine's names, the wrong format", () => {
    for (const text of ["", "<html><body>login</body></html>", "# only comments\n", LLAMACPP]) {
      expect(parseEngineMetrics(text, "vllm", null, 1), text.slice(0, 20)).toBeNull();
    }
    expect(parseEngineMetrics(SGLANG, "llamacpp", null, 1)).toBeNull();
    expect(parseEngineMetrics(SGLANG, "nope" as "vllm", null, 1)).toBeNull();
    expect(parseEngineMetrics(SGLANG, "__proto__" as "vllm", null, 1)).toBeNull();
    expect(parseEngineMetrics(SGLANG, "constructor" as "vllm", null, 1)).toBeNull();
    expect(parseEngineMetrics(undefined as unknown as string, "vllm", null, 1)).toBeNull();
  });

  it("ignores NaN, infinities, negatives and garbage values, and clamps what would not stay finite", () => {
    const text = [
      "vllm:num_requests_waiting NaN",
      "vllm:num_requests_waiting +Inf",
      "vllm:num_requests_waiting -5",
      "vllm:num_requests_waiting 1e400",
      "vllm:num_requests_waiting twelve",
      "vllm:num_requests_waiting {broken",
      "vllm:num_requests_waiting{unclosed=\"x 4",
      "vllm:num_requests_waiting 2",
      "vllm:num_requests_running 1e300",
      "vllm:num_requests_running 1e300",
      "vllm:kv_cache_usage_perc 7",
      "vllm:prefix_cache_queries_total 1e308",
      "vllm:prefix_cache_queries_total 1e308",
      "vllm:prefix_cache_hits_total 1e308",
    ].join("\n");
    const r = parseEngineMetrics(text, "vllm", { queries: 1, hits: 1 }, 1)!;
    expect(r.load.waiting).toBe(2);
    expect(r.load.running).toBe(1_000_000);
    expect(r.load.kvUsage).toBe(1);
    expect(r.load.prefixHitRate).toBeNull(); // the queries overflowed to Infinity: no rate
  });

  it("does not look names up on the prototype: __proto__, constructor and friends are just unknown lines", () => {
    const text = `__proto__ 5\nconstructor{a="b"} 3\ntoString 1\nhasOwnProperty 9\nvllm:num_requests_waiting 1\n__proto__{model_name="x"} 2\n`;
    const r = parseEngineMetrics(text, "vllm", null, 1)!;
    expect(r.load).toMatchObject({ waiting: 1, running: 0 });
    expect(Object.getPrototypeOf(r.load)).toBe(Object.prototype);
  });

  it("reads no further than the cap, and never half a line at it", () => {
    const filler = `# ${"x".repeat(1000)}\n`.repeat(Math.ceil(MAX_METRICS_CHARS / 1003));
    expect(parseEngineMetrics(filler + "vllm:num_requests_waiting 1\n", "vllm", null, 1)).toBeNull();
    // A value cut at the cap (12 of 123) is not read as 12.
    const head = "vllm:num_requests_running 1\n";
    const pad = "#".repeat(MAX_METRICS_CHARS - head.length - "vllm:num_requests_waiting 12".length) + "\n";
    const r = parseEngineMetrics(head + pad + "vllm:num_requests_waiting 123\n", "vllm", null, 1)!;
    expect(r.load.waiting).toBe(0);
  });

  it("handles a long body of garbage quickly", () => {
    const garbage = "vllm:num_requests_waiting{a=\"".repeat(20_000) + "\n" + "\u0000\uffff }{ 1 2 3\n".repeat(40_000);
    const t = performance.now();
    expect(parseEngineMetrics(garbage, "vllm", null, 1)).toBeNull();
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe("hitRateSince", () => {
  it("needs two readings and queries in between", () => {
    expect(hitRateSince(null, { queries: 5, hits: 5 })).toBeNull();
    expect(hitRateSince({ queries: 5, hits: 5 }, null)).toBeNull();
    expect(hitRateSince({ queries: 5, hits: 5 }, { queries: 5, hits: 5 })).toBeNull();
    expect(hitRateSince({ queries: 5, hits: 0 }, { queries: 15, hits: 30 })).toBe(1); // hits above queries: clamped
  });
});
