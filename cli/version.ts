/**
 * The client's version; cli/version_test.ts checks it against deno.json.
 *
 * @module
 */

/** Printed by `send_sysrq --version`. */
export const VERSION = "0.1.0";
