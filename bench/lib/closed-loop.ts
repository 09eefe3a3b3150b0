// N clients, each sending its next chat request as soon as the last one ended,
// until told to stop. Every result is kept (the fault run judges them all).

import { keepAliveAgent } from "./load";
import { sendChat, type ChatCall, type ChatResult } from "./chat-client";

export interface ClosedLoop {
  /** Stop starting requests; resolves with every result once in-flight ones end. */
  stop(): Promise<ChatResult[]>;
}

/** `next(client, n)` builds the n-th request of a client (without the agent). */
export function startClients(concurrency: number, next: (client: number, n: number) => Omit<ChatCall, "agent">): ClosedLoop {
  const agent = keepAliveAgent(concurrency);
  const results: ChatResult[] = [];
  let running = true;
  const client = async (id: number): Promise<void> => {
    for (let n = 0; running; n++) results.push(await sendChat({ ...next(id, n), agent }));
  };
  const all = Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  return {
    stop: async () => {
      running = false;
      await all;
      agent.destroy();
      return results;
    },
  };
}
