import { describe, expect, it } from "vitest";
import { rssMiB } from "./rss";

describe("rssMiB", () => {
  it("reads this process's resident memory", () => {
    expect(rssMiB(process.pid)).toBeGreaterThan(1);
    expect(rssMiB(-1)).toBeNaN();
  });
});
