// `npm run dev`: the local origin fleet + `wrangler dev`, seeded with the fleet's
// origins and a demo tenant. Ctrl-C or SIGTERM stops everything it started.
//
// Environment: PORT (router, default 8787), FLEET_PORT (first origin port,
// default 9100; 0 = any free ports), FLEET_SPEED (default 1 = H100 pace),
// MERIDIAN_DEV_VARS (secrets file, default .dev.vars), MERIDIAN_STATE_DIR
// (KV and Durable Object state, default .wrangler/state), ADMIN_TOKEN and
// MERIDIAN_DEMO_KEY (override the generated ones; see worker/vocabulary/secrets.ts for the rule).
import { resolve } from "node:path";
import { startFleet } from "../fleet/fleet";
import { DevSecretError, loadDevVars } from "./lib/dev-vars";
import { seed } from "../harness/seed";
import { startWranglerDev } from "../harness/wrangler-dev";

const port = Number(process.env.PORT || 8787);
const devVarsPath = resolve(process.env.MERIDIAN_DEV_VARS || ".dev.vars");
const vars = (() => {
  try {
    return loadDevVars(devVarsPath);
  } catch (err) {
    if (!(err instanceof DevSecretError)) throw err;
    console.error(`npm run dev: ${err.message}`);
    process.exit(2);
  }
})();

const fleet = await startFleet({ basePort: Number(process.env.FLEET_PORT ?? 9100), speed: Number(process.env.FLEET_SPEED || 1) });
let router: Awaited<ReturnType<typeof startWranglerDev>> | undefined;

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await router?.stop();
    await fleet.close();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  router = await startWranglerDev({
    port,
    envFile: devVarsPath,
    ...(process.env.MERIDIAN_STATE_DIR ? { stateDir: resolve(process.env.MERIDIAN_STATE_DIR) } : {}),
    verbose: process.env.MERIDIAN_VERBOSE === "1",
  });
  router.process.once("exit", (code) => {
    if (!stopping) {
      console.error(`wrangler dev exited (${code}); stopping.`);
      void stop(1);
    }
  });
  await seed(
    router.url,
    vars.ADMIN_TOKEN,
    vars.MERIDIAN_DEMO_KEY,
    // Every fleet origin serves /metrics (vLLM's names unless its spec says otherwise): the router reads their load.
    fleet.members.map(({ spec, origin }) => ({ ...spec, baseUrl: origin.baseUrl, metricsFormat: spec.metricsFormat ?? "vllm" })),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stop(1);
}

const url = router!.url;
const origins = fleet.members.map(({ spec, origin }) => `    ${spec.id.padEnd(20)} ${spec.region.padEnd(5)} ${spec.models.join(",").padEnd(11)} ${origin.url}`);
console.log(`
Meridian is running at ${url} (wrangler dev) with ${fleet.members.length} local origins:
${origins.join("\n")}

  demo key     ${vars.MERIDIAN_DEMO_KEY}
  admin token  ${vars.ADMIN_TOKEN}   (both kept in ${devVarsPath})

Try it:
  curl ${url}/v1/chat/completions \\
    -H "Authorization: Bearer ${vars.MERIDIAN_DEMO_KEY}" -H "Content-Type: application/json" \\
    -d '{"model":"llama-8b","messages":[{"role":"user","content":"Hello!"}],"stream":true}'

Dashboard: ${url}/admin/dashboard/sign-in#token=${encodeURIComponent(vars.ADMIN_TOKEN)}

Play another point of presence with -H "x-meridian-dev-region: apac" (dev only). Ctrl-C stops everything.
`);
// One machine-readable line for scripts that start `npm run dev`.
console.log(`MERIDIAN_READY ${JSON.stringify({ url, demoKey: vars.MERIDIAN_DEMO_KEY, adminToken: vars.ADMIN_TOKEN, devVars: devVarsPath })}`);
