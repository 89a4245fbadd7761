/**
 * The keys a server holds (docs/PROTOCOL.md, "The server's state"): the
 * password's key under key id 0, if a password is set, and up to 8 server
 * keys, each under its id. The ladder's rung K looks a packet's key id up
 * here: one key per packet, never a search.
 *
 * @module
 */

import { checkKeyId, checkMacKey } from "./_validate.ts";
import type { MacKey } from "./key.ts";

/** Most server keys one server holds at once. */
export const MAX_SERVER_KEYS = 8;

/** Hex of a key id, for messages (the server's own spelling). */
const idText = (id: number) => id.toString(16).padStart(8, "0");

/**
 * A server's keys: the password's (id 0) and up to 8 server keys. Every
 * change is checked before anything changes, so a failed one leaves the set
 * as it was (as the kernel's `keys` parameter does). Keys cannot be read
 * back.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { KeySet, MacKey } from "../mod.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32).fill(1));
 * const keys = new KeySet({ serverKeys: [[0x8f3a01c2, key]] });
 * assert.equal(keys.find(0x8f3a01c2), key);
 * assert.equal(keys.find(0), null); // no password set
 * assert.throws(() => keys.add(0x8f3a01c2, key), /already/);
 * keys.remove(0x8f3a01c2);
 * assert.equal(keys.configured, false);
 * ```
 */
export class KeySet {
  #password: MacKey | null = null;
  #server = new Map<number, MacKey>();

  /**
   * @param options the password's key (or null), and server keys as
   * `[id, key]` pairs; both optional.
   * @throws {TypeError} on a key that is not a MacKey or an id that is not
   * a number.
   * @throws {RangeError} on an id outside 80000000..ffffffff, a duplicate id
   * or more than 8 server keys.
   */
  constructor(
    options: {
      password?: MacKey | null;
      serverKeys?: Iterable<readonly [number, MacKey]>;
    } = {},
  ) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("options must be an object");
    }
    this.password = options.password ?? null;
    this.replace(options.serverKeys ?? []);
  }

  /** The password's key (key id 0), or null when no password is set. */
  get password(): MacKey | null {
    return this.#password;
  }

  set password(key: MacKey | null) {
    if (key !== null) checkMacKey(key, "password key");
    this.#password = key;
  }

  /** Whether any key is set: else every packet is NO_PASSWORD. */
  get configured(): boolean {
    return this.#password !== null || this.#server.size > 0;
  }

  /** The server key ids, ascending (what the kernel's parameter shows). */
  ids(): number[] {
    return [...this.#server.keys()].sort((a, b) => a - b);
  }

  /** The key under `id` (0: the password's), or null: rung K. */
  find(id: number): MacKey | null {
    if (id === 0) return this.#password;
    return this.#server.get(id) ?? null;
  }

  /**
   * Install a server key.
   *
   * @throws {RangeError} on an id outside 80000000..ffffffff, an id already
   * installed, or a ninth key.
   */
  add(id: number, key: MacKey): void {
    this.#checkEntry(id, key);
    if (this.#server.has(id)) {
      throw new RangeError(`key id ${idText(id)} is already installed`);
    }
    if (this.#server.size >= MAX_SERVER_KEYS) {
      throw new RangeError(
        `${MAX_SERVER_KEYS} server keys are installed, the most: ` +
          "remove one first",
      );
    }
    this.#server.set(id, key);
  }

  /**
   * Remove the server key under `id`.
   *
   * @throws {RangeError} when no server key has that id.
   */
  remove(id: number): void {
    if (!this.#server.delete(checkKeyId(id, "key id"))) {
      throw new RangeError(`no server key has id ${idText(id)}`);
    }
  }

  /**
   * Replace every server key at once (an empty list clears them); the
   * password's key stays.
   *
   * @throws as {@link KeySet.add}, with the set unchanged.
   */
  replace(serverKeys: Iterable<readonly [number, MacKey]>): void {
    const next = new Map<number, MacKey>();
    for (const entry of serverKeys) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError("server keys must be [id, MacKey] pairs");
      }
      const [id, key] = entry;
      this.#checkEntry(id, key);
      if (next.has(id)) {
        throw new RangeError(`key id ${idText(id)} is given twice`);
      }
      next.set(id, key);
    }
    if (next.size > MAX_SERVER_KEYS) {
      throw new RangeError(
        `${next.size} server keys given; the most is ${MAX_SERVER_KEYS}`,
      );
    }
    this.#server = next;
  }

  #checkEntry(id: number, key: MacKey): void {
    if (checkKeyId(id, "key id") === 0) {
      throw new RangeError(
        "key id 0 is the password's: a server key's id is 80000000..ffffffff",
      );
    }
    checkMacKey(key, `key ${idText(id)}`);
  }
}
