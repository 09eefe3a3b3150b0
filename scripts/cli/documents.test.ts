import { describe, expect, it } from "vitest";
import { rulesDocument } from "../../worker/rules/document";
import { CliError } from "./command";
import { parseDocument, validated } from "./documents";

const failure = (fn: () => unknown): CliError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error("expected a CliError");
};

describe("parseDocument", () => {
  it("reads JSON and YAML by extension, and stdin as YAML (which takes JSON too)", () => {
    expect(parseDocument('{"a": [1, 2]}', "r.json")).toEqual({ a: [1, 2] });
    expect(parseDocument("a:\n  - 1\n  - 2 # two\n", "r.yaml")).toEqual({ a: [1, 2] });
    expect(parseDocument("a: 1", "R.YML")).toEqual({ a: 1 });
    expect(parseDocument('{"a": 1}', "-")).toEqual({ a: 1 });
  });

  it("says where a syntax error is", () => {
    expect(failure(() => parseDocument('{\n  "a": 1,\n}', "r.json")).message).toMatch(/^r\.json is not valid JSON: .*line 3/);
    expect(failure(() => parseDocument("a: 1\na: 2\n", "r.yaml")).message).toMatch(/^r\.yaml is not valid YAML: .*line 2/);
  });

  it("refuses other file types", () => {
    expect(failure(() => parseDocument("{}", "rules.txt")).message).toBe("rules.txt: use a .json, .yaml or .yml file (or - for stdin)");
  });
});

describe("validated", () => {
  it("returns the document as the API stores it, defaults filled in", () => {
    const doc = validated(rulesDocument, { aliases: { fast: { targets: [{ model: "m" }] } } }, "r.json", "rules");
    expect(doc.aliases!.fast!.strategy).toBe("ordered");
  });

  it("lists every field error with its path, as the API would", () => {
    const bad = { policy: { kind: "fastest" }, retries: { max_attempts: 0 }, extra: 1 };
    const err = failure(() => validated(rulesDocument, bad, "r.json", "rules"));
    expect(err.message).toBe("r.json is not a valid rules document (3 errors); nothing was sent");
    expect(err.details).toHaveLength(3);
    expect(err.details[0]).toMatch(/^ {2}policy\.kind: /);
    expect(err.details[1]).toMatch(/^ {2}retries\.max_attempts: /);
    expect(err.details[2]).toMatch(/^ {2}\(document\): .*extra/);
  });

  it("reports the checks that span fields", () => {
    const bad = { aliases: { fast: { targets: [{ model: "m", pool: "gpus" }] } } };
    expect(failure(() => validated(rulesDocument, bad, "-", "rules")).details).toEqual(["  aliases.fast.targets[0].pool: no pool 'gpus' in `pools`"]);
  });
});
