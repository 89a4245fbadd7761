/** Exit statuses of `send_sysrq` (documented in --help and send_sysrq.1). */
export const EXIT = { OK: 0, NOT_ACKED: 1, USAGE: 2, LOCAL: 3 } as const;
