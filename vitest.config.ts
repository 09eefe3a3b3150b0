import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// Four kinds of tests, one command (`npm test`):
// - worker: inside workerd with real KV and Durable Objects, against real local origins; also the
//   pure modules' tests that need the runtime (named `*.workerd.test.ts`: wasm modules,
//   `crypto.subtle.timingSafeEqual`, streaming request bodies);
// - unit: every other pure module's test beside its code, in Node (each workerd test file pays
//   about a second to load the worker; these need none of it);
// - node: the origin fleet and other Node-side tools;
// - e2e: the real `npm run dev` setup driven by official clients.
// No internet here or in CI: wrangler must not fetch request.cf data or send metrics.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_SEND_METRICS ??= "false";

export default defineConfig({
  test: {
    // The default output, then a plain line if the dashboard's browser test was skipped.
    reporters: ["default", "./test/e2e/browser-skip-notice.ts"],
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-admin-token-0123456789abcdefghij",
                ADMIN_TOKENS: "ci:test-ci-token-0123456789abcdefghijklmn",
                MERIDIAN_DEV: "true",
                TTFT_TIMEOUT_MS: "2000",
                ATTEMPT_TIMEOUT_MS: "4000",
                // Statistics move in tens of milliseconds here, not seconds.
                SNAPSHOT_REFRESH_MS: "40",
                STATS_FLUSH_MS: "20",
                // Exploration is tested on the pure module; here it would only add noise.
                EXPLORE_RATE: "0",
                RULES_CHECK_MS: "100",
                USAGE_FLUSH_MS: "20",
                // Engines' metrics are read every 200 ms here, not every 2 s.
                ENGINE_LOAD_MS: "200",
                // Batch files above 64 KiB are refused here, so the limit can be tested without megabytes.
                BATCH_MAX_FILE_BYTES: "65536",
              },
              // The usage queue hands over its batches within tens of milliseconds here, not a second.
              queueConsumers: { "meridian-usage": { maxBatchSize: 100, maxBatchTimeout: 0.05, maxRetries: 5, deadLetterQueue: "meridian-usage-dead" } },
            },
          }),
        ],
        test: {
          name: "worker",
          // A test file's first request compiles the worker and its wasm: seconds on a busy 2-core machine.
          hookTimeout: 30_000,
          include: ["worker/**/*.workerd.test.ts", "durable-objects/**/*.test.ts", "test/worker/**/*.test.ts"],
          globalSetup: ["test/worker/fleet-setup.ts"],
          // `npm run test:fuzz` multiplies the whole-worker fuzz cases (FUZZ_SCALE).
          provide: { fuzzScale: Number(process.env.FUZZ_SCALE || 1) },
        },
      },
      {
        test: {
          name: "unit",
          include: ["worker/**/*.test.ts"],
          exclude: ["worker/**/*.workerd.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "fleet",
          include: ["fleet/**/*.test.ts", "sim/**/*.test.ts", "eval/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/dev-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
