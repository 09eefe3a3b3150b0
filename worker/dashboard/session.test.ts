import { describe, expect, it } from "vitest";
import type { AdminToken } from "../auth/admin-tokens";
import { SESSION_TTL_S, createSession, verifySession } from "./session";

const ROOT: AdminToken = { label: "admin", token: "root-token-0123456789abcdefghijklmnop" };
const CI: AdminToken = { label: "ci", token: "ci-token-0123456789abcdefghijklmnopqr" };
const NOW = 1_800_000_000_000;

describe("dashboard session", () => {
  it("holds the label and an expiry, never the token, and verifies under the token that made it", async () => {
    const session = await createSession(CI, NOW);
    expect(session).toMatch(/^ci~\d+~[A-Za-z0-9_-]{43}$/);
    expect(session).not.toContain(CI.token);
    expect(await verifySession(session, [ROOT, CI], NOW)).toBe("ci");
  });

  it("ends after SESSION_TTL_S", async () => {
    const session = await createSession(ROOT, NOW);
    expect(await verifySession(session, [ROOT], NOW + SESSION_TTL_S * 1000 - 1000)).toBe("admin");
    expect(await verifySession(session, [ROOT], NOW + SESSION_TTL_S * 1000)).toBeNull();
  });

  it("dies when its token is rotated or its label removed", async () => {
    const session = await createSession(CI, NOW);
    expect(await verifySession(session, [ROOT, { label: "ci", token: `${CI.token}-rotated` }], NOW)).toBeNull();
    expect(await verifySession(session, [ROOT], NOW)).toBeNull();
    // While an old and a new token share the label, sessions of either stay valid.
    expect(await verifySession(session, [{ label: "ci", token: `${CI.token}-new` }, CI], NOW)).toBe("ci");
  });

  it("refuses a forged label, a stretched expiry and a tampered signature", async () => {
    const session = await createSession(CI, NOW);
    const [label, expires, mac] = session.split("~") as [string, string, string];
    expect(label).toBe("ci");
    // Another label with the same signature, even one whose token exists.
    expect(await verifySession(`admin~${expires}~${mac}`, [ROOT, CI], NOW)).toBeNull();
    // Another expiry (still within the TTL from now) under the old signature.
    expect(await verifySession(`ci~${Number(expires) - 60}~${mac}`, [CI], NOW)).toBeNull();
    const flipped = mac.slice(0, 10) + (mac[10] === "A" ? "B" : "A") + mac.slice(11);
    expect(await verifySession(`ci~${expires}~${flipped}`, [CI], NOW)).toBeNull();
    // An expiry beyond any session this code issues, however it was signed.
    const far = await createSession(CI, NOW + 10 * SESSION_TTL_S * 1000);
    expect(await verifySession(far, [CI], NOW)).toBeNull();
  });

  it("refuses the raw token and malformed values without throwing", async () => {
    for (const value of [CI.token, "", "~~", "ci~1~x", `ci~${"9".repeat(13)}~${"A".repeat(43)}`, "ci~abc~" + "A".repeat(43), "%ff~1~2", "a".repeat(10_000)]) {
      expect(await verifySession(value, [ROOT, CI], NOW), value.slice(0, 40)).toBeNull();
    }
  });
});
