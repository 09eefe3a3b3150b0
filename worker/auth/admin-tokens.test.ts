import { describe, expect, it } from "vitest";
import { adminTokens, matchAdminToken } from "./admin-tokens";

describe("admin tokens", () => {
  const env = { ADMIN_TOKEN: "root-token-0123456789", ADMIN_TOKENS: "ci:ci-token-0123456789abc, alice:alice-token-0123456789, bad label:x, short:abc" };

  it("reads ADMIN_TOKEN as `admin` and labelled pairs, skipping malformed or short ones", () => {
    expect(adminTokens(env).map((t) => t.label)).toEqual(["admin", "ci", "alice"]);
  });

  it("names the token that matched, and nothing for a wrong one", async () => {
    const tokens = adminTokens(env);
    expect(await matchAdminToken("ci-token-0123456789abc", tokens)).toBe("ci");
    expect(await matchAdminToken("root-token-0123456789", tokens)).toBe("admin");
    expect(await matchAdminToken("ci-token-0123456789ab", tokens)).toBeNull();
    expect(await matchAdminToken("anything", [])).toBeNull();
  });
});
