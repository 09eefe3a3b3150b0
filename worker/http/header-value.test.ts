import { describe, expect, it } from "vitest";
import { escapedHeaderValue, headerValue, MAX_REFLECTED_HEADER } from "./header-value";

describe("headerValue", () => {
  it("keeps visible ASCII as it is", () => {
    expect(headerValue("fast -> llama-8b; pinned(a>b); prior")).toBe("fast -> llama-8b; pinned(a>b); prior");
  });

  it("escapes CR, LF, NUL, other controls and non-ASCII, so Headers.set accepts every result", () => {
    const hostile = ["a\r\nx-evil: 1", "nul\u0000", "tab\there", "caf\u00e9", "\u20ac", "\ud83d\ude00", "50%", "\u2028"];
    for (const text of hostile) {
      const value = headerValue(text);
      expect(value).toMatch(/^[\x20-\x7e]*$/);
      expect(() => new Headers().set("x-test", value)).not.toThrow();
    }
    expect(headerValue("a\r\nb")).toBe("a%0D%0Ab");
    expect(headerValue("50%")).toBe("50%25");
  });

  it("cuts long values", () => {
    const value = headerValue("p".repeat(10_000));
    expect(value.length).toBeLessThanOrEqual(MAX_REFLECTED_HEADER);
    expect(value.endsWith("...")).toBe(true);
  });

  it("gives what escaping one character at a time gives, for plain and hostile text of every length near the cut", () => {
    const alphabet = ["a", "Z", " ", "~", "%", "\r", "\n", "\u0000", "\u00e9", "\ud83d\ude00", "-", ";"];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2_000; i++) {
      const max = 8 + Math.floor(next() * 24);
      const plain = next() < 0.5;
      let text = "";
      const length = max - 3 + Math.floor(next() * 7);
      while (text.length < length) text += plain ? alphabet[Math.floor(next() * 5)]!.replace("%", "x") : alphabet[Math.floor(next() * alphabet.length)]!;
      expect(headerValue(text, max)).toBe(escapedHeaderValue(text, max));
    }
  });
});
