import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { adminTokens, matchAdminToken, requireAdminTokens } from "./admin-tokens";
import { MIN_SECRET_LENGTH, SECRET_RULE } from "../vocabulary/secrets";

const ROOT = "root-token-0123456789abcdefghijklmnop";
const CI = "ci-token-0123456789abcdefghijklmnopqr";
const ALICE = "alice-token-0123456789abcdefghijklmno";

describe("admin tokens", () => {
  const env = { ADMIN_TOKEN: ROOT, ADMIN_TOKENS: `ci:${CI}, alice:${ALICE}, bad label:${CI}x, short:abc` };

  it("reads ADMIN_TOKEN as `admin` and labelled pairs, skipping malformed or short ones", () => {
    expect(adminTokens(env).map((t) => t.label)).toEqual(["admin", "ci", "alice"]);
  });

  it("names the token that matched, and nothing for a wrong one", async () => {
    const tokens = adminTokens(env);
    expect(await matchAdminToken(CI, tokens)).toBe("ci");
    expect(await matchAdminToken(ROOT, tokens)).toBe("admin");
    expect(await matchAdminToken(CI.slice(0, -1), tokens)).toBeNull();
    expect(await matchAdminToken("anything", [])).toBeNull();
  });

  it("ignores a token one character shorter than MIN_SECRET_LENGTH, in ADMIN_TOKEN and in ADMIN_TOKENS", () => {
    expect(MIN_SECRET_LENGTH).toBe(32);
    const short = "s".repeat(MIN_SECRET_LENGTH - 1);
    const exact = "e".repeat(MIN_SECRET_LENGTH);
    expect(adminTokens({ ADMIN_TOKEN: short, ADMIN_TOKENS: `ci:${short}` })).toEqual([]);
    expect(adminTokens({ ADMIN_TOKEN: exact, ADMIN_TOKENS: `ci:${exact}` })).toEqual([
      { label: "admin", token: exact },
      { label: "ci", token: exact },
    ]);
  });

  it("reserves the label `admin` in any case for ADMIN_TOKEN alone", () => {
    const tokens = adminTokens({ ADMIN_TOKENS: `admin:${CI}, ADMIN:${CI}, Admin:${CI}, aDmIn:${CI}, admins:${ALICE}` });
    expect(tokens.map((t) => t.label)).toEqual(["admins"]);
  });

  it("disables the admin API with a 503 that states the rule when no token is usable", () => {
    let thrown: unknown;
    try {
      requireAdminTokens({ ADMIN_TOKEN: "short-token", ADMIN_TOKENS: "admin:" + CI });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    const error = (thrown as ApiError).body().error;
    expect((thrown as ApiError).status).toBe(503);
    expect(error.code).toBe("admin_disabled");
    expect(error.message).toContain(SECRET_RULE);
    expect(requireAdminTokens({ ADMIN_TOKEN: ROOT }).map((t) => t.label)).toEqual(["admin"]);
  });
});
