// A strict reader of the Prometheus text format (0.0.4), for tests: every
// line must be a HELP, a TYPE or a sample of a declared family, label values
// unescaped. Throws on anything else.

export interface Family {
  help: string;
  type: string;
  samples: { labels: Record<string, string>; value: number }[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = new RegExp(`^(${NAME.replace(":", "")})="((?:[^"\\\\]|\\\\[\\\\"n])*)"(,|$)`);

function parseLabels(raw: string): Record<string, string> {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let rest = raw;
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels: ${raw}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  if (s === "NaN") return NaN;
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/.test(s)) throw new Error(`bad value: ${s}`);
  return Number(s);
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  if (!text.endsWith("\n")) throw new Error("exposition must end with a line feed");
  for (const line of text.slice(0, -1).split("\n")) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (gauge|counter|histogram|summary|untyped)$/.exec(line);
    if (help) {
      if (families.has(help[1]!)) throw new Error(`HELP after samples or twice: ${help[1]}`);
      families.set(help[1]!, { help: help[2]!, type: "", samples: [] });
    } else if (type) {
      const f = families.get(type[1]!);
      if (!f || f.type) throw new Error(`TYPE without HELP or twice: ${type[1]}`);
      f.type = type[2]!;
    } else {
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`bad line: ${JSON.stringify(line)}`);
      const f = families.get(m[1]!);
      if (!f || !f.type) throw new Error(`sample of an undeclared family: ${m[1]}`);
      f.samples.push({ labels: parseLabels(m[2] ?? ""), value: parseValue(m[3]!) });
    }
  }
  return families;
}

/** The value of the single sample of `name`. */
export function valueOf(families: Map<string, Family>, name: string): number {
  const f = families.get(name);
  if (!f || f.samples.length !== 1) throw new Error(`no single sample of ${name}`);
  return f.samples[0]!.value;
}
