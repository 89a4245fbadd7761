/**
 * `send_sysrq keygen`: a new random password and the server-side lines that
 * install it.
 *
 * @module
 */

/** Module name and parameter the server side uses (kernel/). */
export const MODULE = "xt_SYSRQ";
const PARAMETER = "passwd";

/**
 * A new password: 32 random bytes as base64url, 43 characters that survive
 * a shell, a `modprobe.d` line and a sysfs write unquoted.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { newPassword } from "./keygen.ts";
 * assert.match(newPassword(), /^[A-Za-z0-9_-]{43}$/);
 * assert.notEqual(newPassword(), newPassword());
 * ```
 */
export function newPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The text `keygen` prints for `password`. */
export function keygenText(password: string): string {
  const conf = `/etc/modprobe.d/${MODULE}.conf`;
  return [
    `password: ${password}`,
    "",
    "On the server, as root, to keep it across reboots (file readable by root only):",
    `  ( umask 077 && echo 'options ${MODULE} ${PARAMETER}=${password}' > ${conf} )`,
    `  chmod 600 ${conf}`,
    "and to set it now on the loaded module:",
    `  echo '${password}' > /sys/module/${MODULE}/parameters/${PARAMETER}`,
    "",
    "On this machine, keep it in a file only you can read, then use it:",
    "  ( umask 077 && cat > ~/.sysrq_password )   # paste it, then Ctrl-D",
    "  send_sysrq --password-file ~/.sysrq_password s HOST",
    "",
  ].join("\n");
}
