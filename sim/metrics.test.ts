import { describe, expect, it } from "vitest";
import type { Request } from "./load";
import { kindStats, Recorder, Status } from "./metrics";

const request = (id: number, outputTokens: number): Request =>
  ({ id, pop: 0, at: 0, promptTokens: 100, outputTokens, stream: true, cap: null, prefixKey: null, prefixTokens: 0, session: null }) as Request;

describe("kindStats: answers under the tokens/s floor", () => {
  it("counts complete answers whose tokens after the first came slower than 10 per second", () => {
    const requests = [request(0, 11), request(1, 11), request(2, 1), request(3, 11), request(4, 11)];
    const rec = new Recorder(requests.length);
    const answer = (i: number, ttft: number, e2e: number, status = Status.Ok) => {
      rec.status[i] = status;
      rec.origin[i] = 0;
      rec.ttft[i] = ttft;
      rec.e2e[i] = e2e;
    };
    answer(0, 100, 1_100); // 10 tokens in 1 s: at the floor, not under it
    answer(1, 100, 1_101); // a hair slower: under
    answer(2, 100, 60_000); // one token: no rate to speak of
    answer(3, 100, Number.NaN, Status.Cut); // broken off: not a complete answer
    rec.status[4] = Status.Failed;
    const stats = kindStats([0, 1, 2, 3, 4], requests, rec, () => 0);
    expect(stats.underFloor).toBe(1 / 2);
    expect(stats).toMatchObject({ requests: 5, errors: 1, cut: 1 });
  });

  it("is 0 with nothing to measure", () => {
    expect(kindStats([], [], new Recorder(0), () => 0).underFloor).toBe(0);
  });
});
