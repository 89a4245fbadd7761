/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output (docs/PROTOCOL.md, "Output"): what the keys of an accepted request
 * logged, read back from the kernel log and sent to the request's source
 * as sealed output messages, paced from a timer. One request's output at a
 * time, module-wide.
 *
 * For an accepted request with OUTPUT_WANTED, in the packet path:
 *   flags = nsr_output_claim(...);	before the ack: its flags
 *   nsr_output_mark();			just before the keys run
 *   nsr_run_keys(...);
 *   nsr_output_start(...);		after them
 * the last two only when the claim returned NSR_ACK_FLAG_OUTPUT_FOLLOWS.
 */
#ifndef NSR_OUTPUT_H
#define NSR_OUTPUT_H

#include "nsr_reply.h"

struct nsr_mac_key;

/* Sets the output up at load (the buffer, the self-test): 0 or -errno. */
int nsr_output_init(void);

/* Stops a session in flight (timer deleted, nothing left behind). */
void nsr_output_exit(void);

/*
 * Whether a request asking for output can get it now: this kernel has the
 * AEAD and output_max is not 0 (the info probe's capability bit).
 */
bool nsr_output_capable(void);

/*
 * Claims the one output session for the request @request (its bytes, at
 * least 40) that @key and the address @addr authenticated, to be sent to
 * @dest. Returns the ack's output flag: NSR_ACK_FLAG_OUTPUT_FOLLOWS (the
 * session is the caller's: mark and start it), NSR_ACK_FLAG_OUTPUT_BUSY,
 * or 0 (output off or unavailable). Softirq; @key only needs to live
 * during the call.
 */
u8 nsr_output_claim(const struct nsr_mac_key *key, const u8 *addr,
		    const u8 *request, const struct nsr_dest *dest);

/* Notes where the kernel log ends, just before the keys run. */
void nsr_output_mark(void);

/*
 * After the keys ran with @status (their ack statuses): reads what they
 * logged, sends the first message at once and paces the rest. Keys 's'
 * and 'u' that ran are followed until their completion line.
 */
void nsr_output_start(const u8 *keys, const u8 *status, size_t n);

/*
 * Before nsr_output_start() for a safe reboot that started: keep reading
 * until its last line (nsr_rescue_final_line()), within @bound_ms + 1 s.
 */
void nsr_output_follow_safe_reboot(unsigned int bound_ms);

/* Whether an output session is still sending (the reboot waits a little). */
bool nsr_output_busy(void);

/* The kernel side of the builder's crypto (nsr_output_crypto.c). */
void nsr_output_crypto_init(void);
bool nsr_output_crypto_ok(void);

#endif /* NSR_OUTPUT_H */
