// The load run's traffic mix: which tenant sends what. Deterministic by
// request number, so every run sends the same sequence.

export interface TenantSpec {
  id: string;
  key: string;
}

export const TENANTS = {
  demo: { id: "demo", key: "sk-meridian-load-demo-0123456789abcdef0123" },
  acme: { id: "acme", key: "sk-meridian-load-acme-0123456789abcdef0123" },
  globex: { id: "globex", key: "sk-meridian-load-globex-0123456789abcdef01" },
} as const satisfies Record<string, TenantSpec>;

export interface Kind {
  id: string;
  tenant: TenantSpec;
  /** What it exercises, for the table. */
  about: string;
  body(n: number): Record<string, unknown>;
}

/** A handful of prompts asked again and again at temperature 0: exact cache hits after the first. */
const REPEATED = [
  "What is the capital of France?",
  "Summarise the plot of Hamlet in one sentence.",
  "Give me three synonyms for fast.",
  "How many legs does a spider have?",
  "Translate good morning into Spanish.",
  "What does HTTP stand for?",
];

const unique = (tenant: string, n: number): string => `Request ${n} from ${tenant}: write a short note about topic number ${n * 7919 % 100003}.`;

export const KINDS: readonly Kind[] = [
  {
    id: "demo-repeat",
    tenant: TENANTS.demo,
    about: "cache on, temperature 0, 6 prompts repeated",
    body: (n) => ({ model: "llama-8b", temperature: 0, max_tokens: 32, messages: [{ role: "user", content: REPEATED[n % REPEATED.length]! }] }),
  },
  {
    id: "demo-auto",
    tenant: TENANTS.demo,
    about: 'model "auto", unique prompts',
    body: (n) => ({ model: "auto", max_tokens: 32, messages: [{ role: "user", content: unique("demo", n) }] }),
  },
  {
    id: "acme-8b",
    tenant: TENANTS.acme,
    about: "no rules, llama-8b, unique prompts",
    body: (n) => ({ model: "llama-8b", max_tokens: 48, messages: [{ role: "user", content: unique("acme", n) }] }),
  },
  {
    id: "globex-1.5b",
    tenant: TENANTS.globex,
    about: "no rules, llama-1.5b, unique prompts",
    body: (n) => ({ model: "llama-1.5b", max_tokens: 48, messages: [{ role: "user", content: unique("globex", n) }] }),
  },
];

/** Shares out of 20: 30% repeats, 15% auto, 35% acme, 20% globex. */
const SLOTS: readonly number[] = [0, 2, 3, 0, 2, 1, 2, 0, 3, 2, 0, 2, 3, 1, 0, 2, 3, 1, 0, 2];

/** The n-th request of the run: its kind, and its body with every other one streamed. */
export function nth(n: number): { kind: Kind; body: Record<string, unknown> } {
  const kind = KINDS[SLOTS[n % SLOTS.length]!]!;
  const stream = Math.floor(n / SLOTS.length) % 2 === 0 ? n % 2 === 0 : n % 2 === 1;
  return { kind, body: { ...kind.body(n), ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) } };
}
