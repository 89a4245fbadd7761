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
  /**
   * Which key makes the tag (docs/PROTOCOL.md, "Keys"): 0 (the default) for
   * the password's key, else the server key's id, 0x80000000..0xffffffff
   * (see {@link keyIdOf}).
   */
  keyId?: number;
  /**
   * The server's IP address as the server sees it: covered by the MAC in
   * password mode (key id 0), where it is required; a server key's MAC
   * leaves it out (the key binds the host), so it may be omitted.
   */
  serverAddress?: string;
  /**
   * The server's 8-byte boot id, learnt from its clock answer or refusal
   * (see {@link verifyReply}).
   */
  bootId: Uint8Array;
  /**
   * The server's protocol clock as the client estimates it, ms: the time of
   * its clock answer or refusal plus the local monotonic time elapsed since
   * it arrived. Never the client's own wall clock.
   */
  timestamp: number;
  /** 12 bytes; default fresh random bytes. Never reuse one. */
  nonce?: Uint8Array;
  /** Ask for an ack or refusal; default true. */
  ackWanted?: boolean;
  /**
   * Ask for what the keys print (docs/PROTOCOL.md, "Output"); only with
   * `ackWanted`. Default false.
   */
  outputWanted?: boolean;
  /**
   * A safe reboot (keys must be "b", ackWanted true): the server syncs and
   * freezes its filesystems, then reboots, each step bounded in time.
   */
  safeReboot?: boolean;
  /** With safeReboot: reboot only if every step finished in time. */
  onlyIfSynced?: boolean;
}

/** What goes into a probe. */
export interface ProbeOptions {
  /** Which key makes the tag: 0 (default, password) or a server key's id. */
  keyId?: number;
  /**
   * The server's IP address as the server sees it: required in password
   * mode (covered by the MAC), unused with a server key.
   */
  serverAddress?: string;
  /** 12 bytes; default fresh random bytes. Never reuse one. */
  nonce?: Uint8Array;
  /**
   * An info probe (80 bytes): the answer carries the server's facts
   * ({@link ServerInfo}) as well as its clock. Default false.
   */
  info?: boolean;
}

/**
 * The facts an info probe's answer carries (docs/PROTOCOL.md, "Clock
 * answer"): what `send_sysrq --check` reports.
 */
export interface ServerInfo {
  /** The module's version, "major.minor.patch", each part 0..255. */
  version: string;
  /** What the rule and the module offer. */
  capabilities: {
    /** The rule has `--sysrq-no-ack`: requests are never answered. */
    noAck: boolean;
    /** The rule has `--sysrq-legacy`: the legacy text format is accepted. */
    legacy: boolean;
    /** SysRq output can be returned (bit 2). */
    output: boolean;
    /** A safe reboot is available (bit 3). */
    safeReboot: boolean;
  };
  /** `kernel.sysrq` as the kernel reports it: 0 none, 1 all, else a mask. */
  sysrq: number;
  /** The server's past window in seconds (65535 when larger). */
  toleranceSeconds: number;
  /** The SysRq keys the rule allows, in byte order (all 94 by default). */
  ruleKeys: string;
}

/**
 * The server's replay state (docs/PROTOCOL.md, "The server's state"): one
 * for the server, shared by the password's key and every server key, made
 * anew when a password is written but not when a server key is added or
 * removed. {@link verifyRequest} updates it in place. Make one with
 * {@link createServerState}.
 */
export interface ServerState {
  /** 8 random bytes, not all zero, fixed for the state's life. */
  bootId: Uint8Array;
  /** Ms; only rises. A bigint: a consumed time can be any u64. */
  floor: bigint;
  /** The bytes of the last accepted request, or null. */
  lastAccepted: Uint8Array | null;
  /**
   * The statuses the last accepted request got, one per key, or null (may
   * be a shared frozen array: replace it, never modify it).
   */
  lastStatuses: KeyStatus[] | null;
  /**
   * The 16-byte address A the last accepted request's MAC covered (see
   * encodeAddress): the address it was sent to in password mode, 16 zero
   * bytes with a server key; or null. Only a copy under the same A is a
   * retry.
   */
  lastAddress: Uint8Array | null;
  /** Refusal budget left; refusals and re-acks each take one. */
  refusalTokens: number;
}

/** How the server judges a request. */
export interface VerifyOptions {
  /** The server's own address, the one the request was sent to. */
  serverAddress: string;
  /** The server's protocol clock, ms. */
  now: number;
  /** How far in the past a request may be stamped and still act, ms. */
  toleranceMs: number;
  /** Replay state; mutated. */
  state: ServerState;
  /**
   * What each key of a request about to be accepted will get (the rule's
   * key set, the kernel's mask), judged before the commit and stored with
   * it for re-acks; default every key EXECUTED.
   */
  statuses?: (keys: string) => KeyStatus[];
  /**
   * For an accepted request that asked for output: whether its output
   * follows (the ack gets OUTPUT_FOLLOWS) or another request's is still
   * being sent (OUTPUT_BUSY); undefined: output is off (no flag). Default:
   * output off.
   */
  output?: (request: RequestInfo) => "follows" | "busy" | undefined;
  /**
   * The facts an info probe's answer carries; default version 0.0.0, no
   * capabilities, `kernel.sysrq` 0, the tolerance in seconds and every key.
   */
  info?: ServerInfo;
}

/** What an authenticated request said. */
export interface RequestInfo {
  /** SysRq keys, in order. */
  keys: string;
  /**
   * The key id it named: 0 for the password, else a server key's id
   * (verifyRequest always sets it; 0 when omitted elsewhere).
   */
  keyId?: number;
  /** The 8-byte boot id it was made for. */
  bootId: Uint8Array;
  /**
   * Its time, ms on the server's protocol clock (the nearest number when
   * above 2^53 - 1, which only a consumed FUTURE request can be).
   */
  timestamp: number;
  /**
   * The request's 12-byte nonce. (From verifyRequest, the byte fields are
   * views of the stored last request: do not modify them.)
   */
  nonce: Uint8Array;
  /** Whether the client asked for an ack or refusal. */
  ackWanted: boolean;
  /** Whether the client asked for output (only with an ack); default false. */
  outputWanted?: boolean;
  /** A safe reboot (docs/PROTOCOL.md, "Safe reboot"); default false. */
  safeReboot?: boolean;
  /** With safeReboot: reboot only if every step finished in time. */
  onlyIfSynced?: boolean;
}

/** What a probe carried that its answer must echo. */
export interface ProbeInfo {
  /** Marks a probe. */
  probe: true;
  /** The probe's key id; default 0. */
  keyId?: number;
  /** The probe's 12-byte nonce. */
  nonce: Uint8Array;
  /** An info probe (the answer carries {@link ServerInfo}); default false. */
  info?: boolean;
}

/** The outcome of {@link verifyRequest}. */
export interface VerifyResult {
  /** ACCEPTED, or the rung that failed (or REPEATED, PROBE_ANSWERED). */
  verdict: Verdict;
  /**
   * The key id of a packet that named a key the server has (from rung K
   * on): 0 for the password, else the server key's id.
   */
  keyId?: number;
  /** Set for every authenticated request: ACCEPTED, REPEATED, REFUSED_*. */
  request?: RequestInfo;
  /**
   * What the server sends back, when anything: the ack (ACCEPTED), the
   * re-ack (REPEATED) or the refusal (REFUSED_*) when the request asked for
   * one, the clock answer to a probe. A `--sysrq-no-ack` rule sends only
   * clock answers.
   */
  reply?: Uint8Array;
}

/** A verified reply to one request or probe. */
export type Reply =
  | {
    type: "ack";
    /** The request's boot id, echoed. */
    bootId: Uint8Array;
    timestamp: number;
    nonce: Uint8Array;
    /** The statuses of the one time the keys ran. */
    statuses: KeyStatus[];
    /** A re-ack: the keys ran for an earlier copy; nothing ran now. */
    repeat: boolean;
    /**
     * For a request that asked for output: "follows" (OUTPUT_FOLLOWS:
     * output messages come next) or "busy" (OUTPUT_BUSY: another request's
     * output is being sent, none comes); absent otherwise.
     */
    output?: "follows" | "busy";
  }
  | {
    type: "refusal";
    reason: RefusalReason;
    /** The server's current boot id. */
    bootId: Uint8Array;
    /** The server's protocol clock when it refused, ms. */
    serverTime: number;
    nonce: Uint8Array;
  }
  | {
    type: "clock";
    /** The server's current boot id. */
    bootId: Uint8Array;
    /** The server's protocol clock when it answered, ms. */
    serverTime: number;
    nonce: Uint8Array;
    /** The server's facts, in the answer to an info probe only. */
    info?: ServerInfo;
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
