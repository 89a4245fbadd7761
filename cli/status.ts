/** Exit statuses of `send_sysrq` (documented in --help and send_sysrq.1). */
export const EXIT = {
  OK: 0,
  NOT_ACKED: 1,
  USAGE: 2,
  LOCAL: 3,
  /** The confirmation was declined (or not answered): nothing was sent. */
  DECLINED: 4,
  /** Ctrl-C (SIGINT), as a shell reports a process it interrupted. */
  INTERRUPTED: 130,
} as const;
