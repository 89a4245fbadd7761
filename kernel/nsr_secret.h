/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The passwd parameter (nsr_secret.c): the password's key in the key set
 * (nsr_keys.h), a new replay state per write, and the plaintext the legacy
 * format needs (nsr_legacy_secret.h).
 */
#ifndef NSR_SECRET_H
#define NSR_SECRET_H

/* Module exit (or a failed load): forget keys, state and plaintext. */
void nsr_secret_exit(void);

#endif /* NSR_SECRET_H */
