/**
 * The server's clock as the client knows it: the boot id and protocol time
 * of the server's last authenticated clock answer or refusal, and when it
 * arrived on this machine's monotonic clock. Requests are stamped from it,
 * never from the local wall clock (docs/PROTOCOL.md, "Client behaviour").
 *
 * @module
 */

import type { ServerInfo } from "../mod.ts";

/** What a clock answer or refusal taught the client. */
export class ServerClock {
  /**
   * @param bootId the server's boot id.
   * @param serverTime its protocol clock when it answered, ms.
   * @param arrivedAt `performance.now()` when the answer arrived.
   * @param rttMs the round trip of the exchange that brought it.
   * @param wallAt `Date.now()` when it arrived.
   * @param info the server's facts, from the answer to an info probe.
   */
  constructor(
    readonly bootId: Uint8Array,
    readonly serverTime: number,
    readonly arrivedAt: number,
    readonly rttMs: number,
    readonly wallAt: number,
    readonly info?: ServerInfo,
  ) {}

  /**
   * The time to stamp a request with now: the server's time plus the local
   * monotonic time elapsed since it arrived. Never ahead of the server's
   * clock but by the two clocks' rate difference (the server allows 1 s).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { ServerClock } from "./server_clock.ts";
   * const clock = new ServerClock(new Uint8Array(8), 5000, performance.now(), 2, Date.now());
   * const ts = clock.stamp();
   * assert.ok(ts >= 5000 && ts < 6000 && Number.isInteger(ts));
   * ```
   */
  stamp(now = performance.now()): number {
    return this.serverTime + Math.max(0, Math.floor(now - this.arrivedAt));
  }

  /**
   * This machine's wall clock minus the server's protocol clock, ms: the
   * server stamped its answer about half a round trip before it arrived.
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { ServerClock } from "./server_clock.ts";
   * const ahead = new ServerClock(new Uint8Array(8), 1_000_600_000, 0, 0, 1_000_000_000);
   * assert.equal(ahead.offsetMs, -600_000); // the server is 10 min ahead
   * ```
   */
  get offsetMs(): number {
    return this.wallAt - this.rttMs / 2 - this.serverTime;
  }
}
