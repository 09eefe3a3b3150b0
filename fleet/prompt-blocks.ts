// Token blocks of a prompt, the fleet's stand-in for vLLM's block hashes.
//
// The fleet has no real tokenizer: it counts tokens with fleet/text.ts's rules
// (tokenEnd), and builds the blocks from the same tokens, so a prompt's
// blocks always match its prompt_tokens. Every character (whitespace
// included) and every zero-token marker (a message's role, the start of the
// tools) feeds one running hash; when a block's 16th token ends, the state is
// finalised into that block's id. The state after block i is a function of
// the state after block i-1 and block i's text: ids are chained, so an equal
// id means an equal prefix (up to the 64-bit hash: fine for an imitation
// origin, not a defence against crafted collisions). Only full blocks get ids.
import { BLOCK_TOKENS } from "./gpu-profiles";
import { isSpace, tokenEnd } from "./text";

/** Values outside UTF-16 mark where a marker starts and ends. */
const MARK_OPEN = 0x10001;
const MARK_CLOSE = 0x10002;
const TOKEN_ID = 0x10003;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

export class PromptBlocks {
  /** Full-block ids, in order. */
  readonly blocks: string[] = [];
  /** Tokens fed so far (the prompt's prompt_tokens). */
  tokens = 0;
  private inBlock = 0;
  // Two independent 32-bit lanes: FNV-1a and a multiply-rotate mix.
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  /** Tokenised text: every character is hashed, tokens counted as countTokens does. */
  text(s: string): this {
    const len = s.length;
    let i = 0;
    while (i < len) {
      const c = s.charCodeAt(i);
      if (isSpace(c)) {
        this.mix(c);
        i++;
        continue;
      }
      const end = tokenEnd(s, i);
      for (; i < end; i++) this.mix(s.charCodeAt(i));
      this.token();
    }
    return this;
  }

  /** Token ids (a completions prompt given as ids): one token each. */
  ids(ids: readonly number[]): this {
    for (const id of ids) {
      this.mix(TOKEN_ID);
      this.mix(id | 0);
      this.mix(Math.floor(id / 2 ** 32) | 0);
      this.token();
    }
    return this;
  }

  /** Structure that costs no tokens here but separates content (a role, the tools). */
  marker(s: string): this {
    this.mix(MARK_OPEN);
    for (let i = 0; i < s.length; i++) this.mix(s.charCodeAt(i));
    this.mix(MARK_CLOSE);
    return this;
  }

  private mix(c: number): void {
    this.a = Math.imul(this.a ^ c, 0x01000193);
    const b = Math.imul(this.b ^ c, 0x5bd1e995);
    this.b = (b << 13) | (b >>> 19);
  }

  private token(): void {
    this.tokens++;
    if (++this.inBlock < BLOCK_TOKENS) return;
    this.inBlock = 0;
    this.blocks.push(hex8(fmix32(this.a ^ this.blocks.length)) + hex8(fmix32(this.b + this.a)));
  }
}
