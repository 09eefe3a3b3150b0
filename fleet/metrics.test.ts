import { describe, expect, it } from "vitest";
import type { FleetEngineLoad } from "./engine";
import { labelValue, METRICS_FORMATS, pythonFloat, renderMetrics } from "./metrics";
import { parseExposition, valueOf } from "./metrics-parse.test-helper";

const LOAD: FleetEngineLoad = { waiting: 3, running: 17, kvUsage: 0.4375, prefixQueriedTokens: 12345, prefixHitTokens: 6400, recentHitRate: 0.5 };

describe("renderMetrics", () => {
  it("vLLM: the five families with vLLM's names, help, types and labels", () => {
    const text = renderMetrics("vllm", "llama-8b", LOAD);
    const f = parseExposition(text);
    expect([...f.keys()]).toEqual([
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc",
      "vllm:prefix_cache_queries_total",
      "vllm:prefix_cache_hits_total",
    ]);
    expect(f.get("vllm:prefix_cache_hits_total")).toEqual({
      help: "Prefix cache hits, in terms of number of cached tokens.",
      type: "counter",
      samples: [{ labels: { engine: "0", model_name: "llama-8b" }, value: 6400 }],
    });
    expect(f.get("vllm:num_requests_waiting")!.type).toBe("gauge");
    expect(valueOf(f, "vllm:num_requests_running")).toBe(17);
    expect(valueOf(f, "vllm:kv_cache_usage_perc")).toBe(0.4375);
    expect(valueOf(f, "vllm:prefix_cache_queries_total")).toBe(12345);
    expect(text).toContain('vllm:num_requests_waiting{engine="0",model_name="llama-8b"} 3.0\n');
  });

  it("SGLang and llama.cpp: their own names", () => {
    const s = parseExposition(renderMetrics("sglang", "m", LOAD));
    expect([...s.keys()].sort()).toEqual(["sglang:cache_hit_rate", "sglang:num_queue_reqs", "sglang:num_running_reqs", "sglang:token_usage"]);
    expect(valueOf(s, "sglang:num_queue_reqs")).toBe(3);
    expect(valueOf(s, "sglang:token_usage")).toBe(0.4375);
    expect(valueOf(s, "sglang:cache_hit_rate")).toBe(0.5);
    expect(s.get("sglang:num_running_reqs")!.samples[0]!.labels).toEqual({ engine_type: "unified", model_name: "m" });
    const text = renderMetrics("llamacpp", "m", LOAD);
    const l = parseExposition(text);
    expect(valueOf(l, "llamacpp:requests_processing")).toBe(17);
    expect(valueOf(l, "llamacpp:requests_deferred")).toBe(3);
    expect(valueOf(l, "llamacpp:kv_cache_usage_ratio")).toBe(0.4375);
    expect(text).toContain("llamacpp:requests_processing 17\n");
  });

  it("hostile model names are escaped, never break a line", () => {
    for (const format of METRICS_FORMATS) {
      const name = 'evil"} 1\nvllm:num_requests_waiting 999 \\ __proto__';
      const f = parseExposition(renderMetrics(format, name, LOAD));
      for (const fam of f.values()) for (const s of fam.samples) if ("model_name" in s.labels) expect(s.labels.model_name).toBe(name);
      expect(f.size).toBe(format === "vllm" ? 5 : format === "sglang" ? 4 : 3);
    }
    expect(labelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });

  it("numbers print as Python floats", () => {
    expect([0, 3, 0.25, 9.75010481363281e-6, 1e21, 1.5e-7, 0.0001, 123456789, NaN, Infinity].map(pythonFloat)).toEqual([
      "0.0",
      "3.0",
      "0.25",
      "9.75010481363281e-06",
      "1e+21",
      "1.5e-07",
      "0.0001",
      "123456789.0",
      "NaN",
      "+Inf",
    ]);
  });
});
