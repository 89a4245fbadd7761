// netsysrq wire protocol v2: every size, offset and value on the wire, as
// AssemblyScript constants. kernel/nsr_proto.h is the C coding of the same
// table (docs/PROTOCOL.md); tests/unit/constants_test.ts proves they agree.
// Names are the C names without their NSR_ prefix; keep one per line.

export const MAGIC_0: u8 = 0x4e; // 'N'
export const MAGIC_1: u8 = 0x53; // 'S'
export const MAGIC_2: u8 = 0x52; // 'R'
export const MAGIC_3: u8 = 0x51; // 'Q'
export const VERSION: u8 = 2;

export const TYPE_REQUEST: u8 = 1;
export const TYPE_ACK: u8 = 2;
export const TYPE_REFUSAL: u8 = 3;
export const TYPE_PROBE: u8 = 4;
export const TYPE_CLOCK: u8 = 5; // the answer to a probe

export const FLAG_ACK_WANTED: u8 = 0x01;
export const FLAG_SAFE_REBOOT: u8 = 0x04; // sync, freeze, reboot: key b alone
export const FLAG_ONLY_IF_SYNCED: u8 = 0x08; // with SAFE_REBOOT: all or no reboot
export const FLAGS_KNOWN: u8 = 0x0d;
export const SAFE_REBOOT_KEY: u8 = 0x62; // 'b': the one key of a safe reboot
export const ACK_FLAG_REPEAT: u8 = 0x01; // a retry's ack: nothing ran now
// Output's flags (C: kernel/nsr_output_msg.h, beside the output layout).
export const FLAG_OUTPUT_WANTED: u8 = 0x02; // only with ACK_WANTED
export const ACK_FLAG_OUTPUT_FOLLOWS: u8 = 0x02; // output messages follow
export const ACK_FLAG_OUTPUT_BUSY: u8 = 0x04; // asked, but another's is sent

// Offsets within every message.
export const OFF_MAGIC: u32 = 0;
export const OFF_VERSION: u32 = 4;
export const OFF_TYPE: u32 = 5;
export const OFF_FLAGS: u32 = 6; // refusal: the reason
export const OFF_COUNT: u32 = 7;
export const OFF_BOOT: u32 = 8; // the server's boot id
export const OFF_TIME: u32 = 16; // u64 big-endian, ms, server protocol clock
export const OFF_KEY_ID: u32 = 24; // u32 big-endian; 0: password mode
export const OFF_NONCE: u32 = 28;
export const OFF_KEYS: u32 = 40; // ack: status bytes; info: facts

export const HEADER_LEN: u32 = 8;
export const BOOT_ID_LEN: u32 = 8;
export const KEY_ID_LEN: u32 = 4;
export const NONCE_LEN: u32 = 12;
export const TAG_LEN: u32 = 16; // HMAC-SHA256 truncated to 128 bits
export const FIXED_LEN: u32 = 56; // every message without keys/statuses
export const MIN_KEYS: u32 = 1;
export const MAX_KEYS: u32 = 16;
export const REFUSAL_LEN: u32 = 56;
export const PROBE_LEN: u32 = 56;
export const CLOCK_LEN: u32 = 56;
export const INFO_LEN: u32 = 24; // an info probe's body, its answer's
export const MAX_MSG_LEN: u32 = 80; // FIXED_LEN + INFO_LEN: an info probe

export const KEY_MIN: u8 = 0x21; // printable ASCII, no space
export const KEY_MAX: u8 = 0x7e;

export const LABEL_LEN: u32 = 16; // "netsysrq v2 req" and its NUL
export const ADDR_LEN: u32 = 16; // IPv6, or IPv4-mapped ::ffff:a.b.c.d

export const KEY_LEN: u32 = 32; // derived MAC key
export const KDF_SALT_LEN: u32 = 15; // "netsysrq v1 key", no NUL
export const KDF_ITERATIONS: u32 = 100000;
export const PASSWORD_MAX: u32 = 128;

// Ack status bytes, one per requested key.
export const STATUS_EXECUTED: u8 = 0;
export const STATUS_REFUSED_RULE: u8 = 1;
export const STATUS_REFUSED_SYSCTL: u8 = 2;

// Refusal reasons (the refusal's flags byte).
export const REASON_STALE: u8 = 1;
export const REASON_FUTURE: u8 = 2;
export const REASON_REPLAY: u8 = 3;
export const REASON_BOOT: u8 = 4; // made for another boot id

// Time rules: how far ahead a request may be; the default past window.
export const FUTURE_SLACK_MS: u32 = 1000;
export const TOLERANCE_DEFAULT_S: u32 = 60;

export const REFUSALS_PER_SEC: u32 = 5;

// Legacy (xtables-addons) text format.
export const LEGACY_SHA1_HEX: u32 = 40;
export const LEGACY_SHA256_HEX: u32 = 64;
export const LEGACY_MAX_LEN: u32 = 256;

// The verdict: accepted, or exactly which rung of the ladder failed.
export enum Verdict {
  ACCEPTED = 0,
  NO_PASSWORD = 1,
  TRUNCATED = 2,
  BAD_MAGIC = 3,
  BAD_VERSION = 4,
  BAD_TYPE = 5,
  BAD_KEY_COUNT = 6,
  BAD_LENGTH = 7,
  BAD_FLAGS = 8,
  BAD_KEY_CHAR = 9,
  STALE = 10,
  FUTURE = 11,
  REPLAY = 12,
  BAD_MAC = 13,
  REFUSED_STALE = 14,
  REFUSED_FUTURE = 15,
  REFUSED_REPLAY = 16,
  BAD_FORMAT = 17,
  WRONG_BOOT = 18,
  REFUSED_BOOT = 19,
  REPEATED = 20,
  PROBE_ANSWERED = 21,
  UNKNOWN_KEY = 22,
}
