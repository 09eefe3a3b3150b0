// A vitest reporter that says, under the summary, when the dashboard's browser
// test was skipped for want of a browser and how to run it: a skipped file is
// otherwise one grey line among a hundred.
import type { Reporter, TestModule } from "vitest/node";
import { DASHBOARD_TEST, INSTALL_HINT, REQUIRE_HINT, browserPolicy } from "./browser-policy";

export default class BrowserSkipNotice implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const dashboard = modules.find((m) => m.moduleId.endsWith(DASHBOARD_TEST));
    if (!dashboard || dashboard.state() !== "skipped" || browserPolicy().run) return;
    console.log(`\nSKIPPED: the dashboard's browser test (${DASHBOARD_TEST}): no Chromium found. To run it, ${INSTALL_HINT}; ${REQUIRE_HINT}.\n`);
  }
}
