/**
 * Many waits with a time limit on one timer: a fleet run has a round trip
 * in flight per host it works on, each waiting at most `--timeout` for its
 * reply. A timer and a `Promise.race` for each (the way before this) cost
 * the client about a tenth of its CPU for 10,000 hosts (cli/bench_fleet.ts);
 * here the waits sit in a queue ordered by deadline, and one timer, set for
 * the earliest, ends those that are due.
 *
 * @module
 */

/** One wait: when it is due, and how to end it with silence. */
interface Wait {
  at: number;
  expire: () => void;
  /** Settled (answered or expired): skipped when it comes due. */
  done: boolean;
}

const NOTHING = () => {};

/** Waits on one timer (see the module's comment). */
export class Deadlines {
  /** Waits by deadline; those before `#head` are gone. */
  #queue: Wait[] = [];
  #head = 0;
  /** Waits not yet settled: with none, no timer keeps the process up. */
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer is set to fire (performance.now() time). */
  #timerAt = Infinity;

  /**
   * The value of `promise`, or null once `ms` milliseconds have passed
   * without it (as a `setTimeout` of `ms` would time it).
   *
   * @example
   * ```ts
   * import assert from "node:assert";
   * import { Deadlines } from "./deadlines.ts";
   * const deadlines = new Deadlines();
   * assert.equal(await deadlines.within(new Promise(() => {}), 5), null);
   * assert.equal(await deadlines.within(Promise.resolve(7), 1000), 7);
   * ```
   */
  within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
    return new Promise<T | null>((resolve, reject) => {
      const settle = () => {
        if (wait.done) return false;
        wait.done = true;
        // A settled wait stays queued until its deadline: let it hold
        // nothing (its closures would keep the answer alive until then).
        wait.expire = NOTHING;
        this.#settled();
        return true;
      };
      const wait: Wait = {
        at: performance.now() + ms,
        expire: () => settle() && resolve(null),
        done: false,
      };
      promise.then(
        (value) => settle() && resolve(value),
        (error) => settle() && reject(error),
      );
      this.#add(wait);
    });
  }

  #add(wait: Wait): void {
    this.#pending++;
    // With one timeout per run, deadlines come in order: an append.
    let i = this.#queue.length;
    while (i > this.#head && this.#queue[i - 1].at > wait.at) i--;
    this.#queue.splice(i, 0, wait);
    if (wait.at < this.#timerAt) this.#arm(wait.at);
  }

  /** End the waits that are due, then set the timer for the next one. */
  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    // (The last expire() may empty the queue: see #settled.)
    while (
      this.#head < this.#queue.length && this.#queue[this.#head].at <= now
    ) this.#queue[this.#head++].expire();
    this.#skipSettled();
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#queue.length) this.#arm(this.#queue[this.#head].at);
  }

  #skipSettled(): void {
    while (
      this.#head < this.#queue.length && this.#queue[this.#head].done
    ) this.#head++;
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => this.#fire(),
      Math.max(0, at - performance.now()),
    );
  }

  /** One wait less; with none left, no timer and an empty queue. */
  #settled(): void {
    if (--this.#pending > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#queue = [];
    this.#head = 0;
  }
}
