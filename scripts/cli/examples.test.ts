// The shipped examples are documentation: each must pass the API's own schemas.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tenantInput } from "../../worker/schemas/admin";
import { rulesDocument } from "../../worker/rules/document";
import { readDocument, validated } from "./documents";

const examples = fileURLToPath(new URL("../../examples", import.meta.url));
const files = (dir: string) => readdirSync(join(examples, dir)).map((f) => join("examples", dir, f));
const rulesFiles = files("rules");

describe("examples", () => {
  it("include JSON and YAML rules", () => {
    expect(rulesFiles.filter((f) => f.endsWith(".json")).length).toBeGreaterThanOrEqual(2);
    expect(rulesFiles.filter((f) => f.endsWith(".yaml")).length).toBeGreaterThanOrEqual(2);
  });

  it.each(rulesFiles)("%s is a valid rules document", (file) => {
    expect(() => validated(rulesDocument, readDocument(join(examples, "..", file)), file, "rules")).not.toThrow();
  });

  it.each(files("tenants"))("%s is a valid tenant profile", (file) => {
    expect(() => validated(tenantInput, readDocument(join(examples, "..", file)), file, "tenant")).not.toThrow();
  });
});
