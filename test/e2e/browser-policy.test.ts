import { describe, expect, it } from "vitest";
import { browserPolicy } from "./browser-policy";

const none = () => null;
const found = () => "/usr/bin/chromium";

describe("browserPolicy", () => {
  it("skips on a developer's machine without a browser", () => {
    expect(browserPolicy({}, none)).toEqual({ executable: null, required: false, run: false });
    expect(browserPolicy({ CI: "false" }, none).run).toBe(false);
    expect(browserPolicy({ CI: "0" }, none).run).toBe(false);
  });

  it("runs wherever a browser is found", () => {
    expect(browserPolicy({}, found)).toEqual({ executable: "/usr/bin/chromium", required: false, run: true });
    expect(browserPolicy({ CHROMIUM_PATH: "/opt/chrome" }, none).executable).toBe("/opt/chrome");
  });

  it("requires the browser in CI or when asked, so its absence fails", () => {
    expect(browserPolicy({ CI: "true" }, none)).toEqual({ executable: null, required: true, run: true });
    expect(browserPolicy({ CI: "1" }, none).required).toBe(true);
    expect(browserPolicy({ MERIDIAN_BROWSER_TEST: "required" }, none)).toEqual({ executable: null, required: true, run: true });
  });

  it("can be switched off explicitly, even in CI", () => {
    expect(browserPolicy({ MERIDIAN_BROWSER_TEST: "skip", CI: "true" }, found).run).toBe(false);
  });
});
