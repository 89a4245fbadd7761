/**
 * The guest's console (its first serial port, which QEMU writes to a file):
 * reading it, waiting for a line by polling the file, and the check that
 * fails a scenario when the kernel reported an error.
 *
 * @module
 */

import { delay } from "./_util.ts";

/**
 * Kernel messages that fail any scenario: oopses, BUG and WARNING splats
 * (KASAN "BUG: KASAN", KFENCE "BUG: KFENCE", "BUG: sleeping function called
 * from invalid context", lockdep's "WARNING: possible circular locking
 * dependency" and its kin, "WARNING: suspicious RCU usage"), and the
 * reports whose first line says neither: UBSAN, lockdep's "INFO: trying to
 * register non-static key", DEBUG_LIST corruption, kmemleak's suspected
 * leaks. Lockdep's phrases are listed too in case a prefix splits a line.
 */
export const CONSOLE_ERRORS = new RegExp(
  [
    "Oops",
    "BUG",
    "WARNING",
    "panic",
    "stack-protector",
    "general protection",
    "UBSAN:",
    "possible circular locking dependency",
    "possible recursive locking",
    "inconsistent lock state",
    "suspicious RCU usage",
    "possible .*deadlock",
    "INFO: trying to register non-static key",
    "list_(add|del) corruption",
    "suspected memory leak",
  ].join("|"),
);

/** Lines that may carry an error word without being a kernel report. */
const NOT_REPORTS = /Kernel command line|Command line:|NSR-/;

/** What the console needs to know about the QEMU process that writes it. */
export interface ConsoleWriter {
  /** Whether QEMU has exited. */
  exited(): boolean;
  /** QEMU's stderr, once it has exited ("" when it said nothing). */
  stderr(): Promise<string>;
}

/** A guest console read from the file QEMU writes. */
export class GuestConsole {
  constructor(readonly path: string, readonly writer: ConsoleWriter) {}

  /** The whole console so far. */
  text(): string {
    try {
      return Deno.readTextFileSync(this.path);
    } catch {
      return "";
    }
  }

  /** A position in the console; pass it to waitFor or since. */
  mark(): number {
    return this.text().length;
  }

  /** The console from a mark on. */
  since(mark: number): string {
    return this.text().slice(mark);
  }

  /** The console's last lines, for error messages. */
  tail(lines = 25): string {
    return this.text().split("\n").slice(-lines).join("\n");
  }

  /**
   * Waits until `pattern` appears in the console (after `since`), polling
   * the file; fails early if QEMU exits first.
   */
  async waitFor(
    pattern: RegExp,
    options: { since?: number; timeoutMs?: number } = {},
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    while (true) {
      const m = this.since(options.since ?? 0).match(pattern);
      if (m) return m;
      if (this.writer.exited()) {
        const err = await this.writer.stderr();
        throw new Error(
          `QEMU exited before ${pattern} appeared${err ? `: ${err}` : ""}\n` +
            this.tail(),
        );
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${pattern}\n${this.tail()}`);
      }
      await delay(50);
    }
  }

  /** Lines that report a kernel error, since `since`. */
  errors(since = 0): string[] {
    return this.since(since).split("\n").filter((line) =>
      CONSOLE_ERRORS.test(line) && !NOT_REPORTS.test(line)
    );
  }

  /** Throws if the console shows a kernel error since `since`. */
  assertClean(since = 0): void {
    const errors = this.errors(since);
    if (errors.length > 0) {
      throw new Error(`kernel errors on the console:\n${errors.join("\n")}`);
    }
  }
}
