/**
 * The shapes the library face takes and returns.
 *
 * @module
 */

import type { KeyStatus, RefusalReason, Verdict } from "./constants.ts";

/** What goes into a request. */
export interface RequestOptions {
  /** SysRq keys to run in order: 1 to 16 printable ASCII, no space. */
  keys: string;
  /** The server's IP address as the server sees it (covered by the MAC). */
  serverAddress: string;
  /** Milliseconds since the epoch; default `Date.now()`. */
  timestamp?: number;
  /** 16 bytes; default fresh random bytes. Never reuse one. */
  nonce?: Uint8Array;
  /** Ask for an ack or refusal; default true. */
  ackWanted?: boolean;
}

/** The server's replay state; {@link verifyRequest} updates it in place. */
export interface ServerState {
  /** Timestamp (ms) of the last accepted request. */
  lastAccepted: number;
  /** Refusal budget left; each authenticated time refusal takes one. */
  refusalTokens: number;
}

/** How the server judges a request. */
export interface VerifyOptions {
  /** The server's own address, the one the request was sent to. */
  serverAddress: string;
  /** The server's clock, ms since the epoch. */
  now: number;
  /** Allowed clock difference either way, ms. */
  toleranceMs: number;
  /** Replay state; mutated. */
  state: ServerState;
}

/** What an authenticated request said. */
export interface RequestInfo {
  /** SysRq keys, in order. */
  keys: string;
  /** The request's timestamp, ms since the epoch. */
  timestamp: number;
  /** The request's 16-byte nonce. */
  nonce: Uint8Array;
  /** Whether the client asked for an ack or refusal. */
  ackWanted: boolean;
}

/** The outcome of {@link verifyRequest}. */
export interface VerifyResult {
  /** ACCEPTED, or the rung that failed. */
  verdict: Verdict;
  /** Set for ACCEPTED and REFUSED_*: the authenticated request. */
  request?: RequestInfo;
}

/** A verified reply to one request. */
export type Reply =
  | {
    type: "ack";
    timestamp: number;
    nonce: Uint8Array;
    statuses: KeyStatus[];
  }
  | {
    type: "refusal";
    reason: RefusalReason;
    serverTime: number;
    nonce: Uint8Array;
  };

/** What goes into a legacy request. */
export interface LegacyOptions {
  /** The password configured on the server (sent inside the digest). */
  password: string;
  /** SysRq keys: printable ASCII, no space, no comma; at most 256 bytes in all. */
  keys: string;
  /** Sequence number; must exceed the server's last one (seconds work). */
  seqno: number;
  /** Any printable ASCII without comma or space (the recipe: base64 of 12 bytes). */
  salt: string;
  /** The server's IP address as the server sees it. */
  serverAddress: string;
  /** Digest: "sha1" (default, what xtables-addons uses) or "sha256". */
  hash?: "sha1" | "sha256";
  /** Append "\n" as the man page's `echo` recipe does; default false. */
  newline?: boolean;
}
