/**
 * The bytes `--dry-run --packet` prints: a request as the run would build
 * it, but with a zero boot id (never a server's), so no server accepts it.
 *
 * @module
 */

import type { Options } from "./args.ts";
import type { HostKey } from "./host_keys.ts";
import { NONCE_LEN } from "../core/constants.ts";
import { hex } from "../core/hex.ts";
import { createRequest } from "../mod.ts";

/** The hex of a request for `options.keys` made with `key`. */
export function requestBytes(
  options: Options,
  key: HostKey,
  serverAddress: string,
): string {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_LEN));
  return hex(createRequest(key.key, {
    keys: options.keys,
    // No server's boot id is zero: the server refuses this request.
    bootId: new Uint8Array(8),
    timestamp: Date.now(),
    nonce,
    ackWanted: options.ack,
    keyId: key.keyId,
    serverAddress,
  }));
}
