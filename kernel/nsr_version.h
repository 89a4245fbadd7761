/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's version: MODULE_VERSION() shows it (modinfo), and the info
 * probe's answer carries it (docs/PROTOCOL.md, "Clock answer"). Keep it
 * equal to dkms.conf's PACKAGE_VERSION and deno.json's version.
 */
#ifndef NSR_VERSION_H
#define NSR_VERSION_H

#define NSR_MODULE_VERSION_MAJOR	0
#define NSR_MODULE_VERSION_MINOR	1
#define NSR_MODULE_VERSION_PATCH	0

#define NSR_STR_(x)		#x
#define NSR_STR(x)		NSR_STR_(x)
#define NSR_MODULE_VERSION	NSR_STR(NSR_MODULE_VERSION_MAJOR) "." \
				NSR_STR(NSR_MODULE_VERSION_MINOR) "." \
				NSR_STR(NSR_MODULE_VERSION_PATCH)

#endif /* NSR_VERSION_H */
