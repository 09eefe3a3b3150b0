// The isolate's usage batcher: records queue per tenant and leave in
// batches, by count or after a short delay, from `waitUntil`. Each batch is
// first handed to the durable usage queue (`persist`), whose consumer
// delivers it to the tenant's object whatever becomes of this isolate; then
// it is sent to the object directly once, so the account this isolate gates
// with is fresh at once. Since the object skips usage ids it has seen, the
// two deliveries, and a retry after an ambiguous failure (the object applied
// the batch, the answer was lost), never count twice. Only when the queue
// cannot take a batch is the direct send retried with backoff, and a batch
// that failed both stays here for the next flush.
//
// No request awaits another's promise: the request that schedules a flush
// keeps the isolate alive (its own `waitUntil`) until that flush has sent
// everything queued by then, its own record and those of requests after it.
import type { AccountState } from "../billing/account";
import type { UsageRecord } from "./usage-record";

type WaitUntil = (p: Promise<unknown>) => void;

export interface RecorderOptions {
  /** Sends one batch to the tenant's object; the account it answers with (null: no such tenant). */
  send: (tenantId: string, batch: UsageRecord[]) => Promise<AccountState | null>;
  /** Hands one batch to the durable queue that delivers it to the object (absent: direct sends only). */
  persist?: (tenantId: string, batch: UsageRecord[]) => Promise<void>;
  /** Hears the account after each acknowledged batch. */
  onAccount: (tenantId: string, account: AccountState) => void;
  /** How long a record may wait for others to join its batch. */
  flushAfterMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A batch goes out at once when this many records are waiting. */
export const FLUSH_AT = 50;
/** At most this many records in one call. */
const MAX_BATCH = 500;
/**
 * At most this many records wait per tenant (plus a batch in flight). They
 * pile up only while neither the queue nor the object takes them; past this
 * the first in line are dropped with a log line rather than letting the
 * isolate run out of memory (and lose them all).
 */
export const MAX_WAITING = 20_000;
/** Waits between attempts: four tries within about five seconds, well inside `waitUntil`'s life. */
const RETRY_DELAYS_MS = [200, 1_000, 4_000];

interface Queued {
  record: UsageRecord;
  costNanos: number;
}

interface Queue {
  waiting: Queued[];
  scheduled: boolean;
  /** Cost and tokens recorded here that the object has not acknowledged (waiting or in flight). */
  unflushedNanos: number;
  unflushedTokens: number;
  /** Batches on their way to the object. */
  sending: number;
}

export class UsageRecorder {
  private readonly queues = new Map<string, Queue>();
  /** Records in batches on their way to the objects. */
  private inFlightRecords = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RecorderOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Queues a record with what it is estimated to cost; a flush is scheduled on the caller's `waitUntil`. */
  add(tenantId: string, record: UsageRecord, costNanos: number, waitUntil: WaitUntil): void {
    let queue = this.queues.get(tenantId);
    if (!queue) this.queues.set(tenantId, (queue = { waiting: [], scheduled: false, unflushedNanos: 0, unflushedTokens: 0, sending: 0 }));
    // A cost or token count that is not a finite number (a pricing bug) must not turn the sums
    // the gates read into NaN; the record still goes to the object, which prices it itself.
    const cost = finite(costNanos);
    if (queue.waiting.length >= MAX_WAITING) {
      const dropped = queue.waiting.shift()!;
      queue.unflushedNanos -= dropped.costNanos;
      queue.unflushedTokens -= tokensOf(dropped.record);
      console.error(`usage record dropped: tenant '${tenantId}' has ${MAX_WAITING} records that neither the queue nor its object took; usage id ${dropped.record.id}`);
    }
    queue.waiting.push({ record, costNanos: cost });
    queue.unflushedNanos += cost;
    queue.unflushedTokens += tokensOf(record);
    if (queue.waiting.length >= FLUSH_AT) {
      waitUntil(this.flush(tenantId));
    } else if (!queue.scheduled) {
      queue.scheduled = true;
      waitUntil(this.sleep(this.options.flushAfterMs).then(() => this.flush(tenantId)));
    }
  }

  /** What this isolate has spent for a tenant that its object has not acknowledged yet. */
  unflushed(tenantId: string): { nanos: number; tokens: number } {
    const queue = this.queues.get(tenantId);
    return { nanos: queue?.unflushedNanos ?? 0, tokens: queue?.unflushedTokens ?? 0 };
  }

  /** For the isolate read-out: tenants with a queue, and records not yet acknowledged by their object. */
  sizes(): { queues: number; unacknowledged: number } {
    let unacknowledged = 0;
    for (const queue of this.queues.values()) unacknowledged += queue.waiting.length;
    return { queues: this.queues.size, unacknowledged: unacknowledged + this.inFlightRecords };
  }

  /** Sends everything waiting for a tenant, batch by batch, retrying each. */
  async flush(tenantId: string): Promise<void> {
    const queue = this.queues.get(tenantId);
    if (!queue) return;
    queue.scheduled = false;
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0, MAX_BATCH);
      queue.sending++;
      this.inFlightRecords += batch.length;
      const records = batch.map((q) => q.record);
      const durable = await this.persist(tenantId, records);
      // Once queued, the batch reaches the object anyway: one direct try only makes the account fresh sooner.
      const sent = durable ? await this.sendOnce(tenantId, records) : await this.sendWithRetry(tenantId, records);
      queue.sending--;
      this.inFlightRecords -= batch.length;
      if (!sent.ok && !durable) {
        // Nowhere durable yet. Back in line, same ids: the next flush (scheduled by the next record) tries again.
        queue.waiting.unshift(...batch);
        return;
      }
      for (const q of batch) {
        queue.unflushedNanos -= q.costNanos;
        queue.unflushedTokens -= tokensOf(q.record);
      }
      // The account includes this batch, which is why it leaves `unflushed` first.
      if (sent.ok && sent.account) this.options.onAccount(tenantId, sent.account);
    }
    // Everything acknowledged: drop the queue, so the map holds only tenants with
    // records on their way (it would otherwise keep every tenant the isolate ever saw).
    if (queue.waiting.length === 0 && queue.sending === 0 && !queue.scheduled && this.queues.get(tenantId) === queue) this.queues.delete(tenantId);
  }

  private async persist(tenantId: string, records: UsageRecord[]): Promise<boolean> {
    if (!this.options.persist) return false;
    try {
      await this.options.persist(tenantId, records);
      return true;
    } catch (err) {
      console.error(`usage queue refused ${records.length} record(s) of tenant '${tenantId}', sending them directly:`, err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  private async sendOnce(tenantId: string, records: UsageRecord[]): Promise<{ ok: true; account: AccountState | null } | { ok: false }> {
    try {
      return { ok: true, account: await this.options.send(tenantId, records) };
    } catch {
      return { ok: false };
    }
  }

  private async sendWithRetry(tenantId: string, records: UsageRecord[]): Promise<{ ok: true; account: AccountState | null } | { ok: false }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { ok: true, account: await this.options.send(tenantId, records) };
      } catch {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) return { ok: false };
        await this.sleep(delay);
      }
    }
  }
}

const finite = (n: number): number => (Number.isFinite(n) ? n : 0);
const tokensOf = (r: UsageRecord): number => finite(r.input_tokens) + finite(r.output_tokens);
