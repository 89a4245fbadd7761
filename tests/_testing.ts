/**
 * Helpers shared by the tests of every part: for now, the generated test
 * password. (Hex is the product's own: core/hex.ts.)
 *
 * @module
 */

import { hex } from "../core/hex.ts";

/**
 * A fake password, new for each call: `test-` and 18 hex digits, safe
 * unquoted in a shell, a module parameter and a sysfs write. Never a real
 * secret, and never the same twice, so no test can lean on its value.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { testPassword } from "./_testing.ts";
 * assert.match(testPassword(), /^test-[0-9a-f]{18}$/);
 * assert.notEqual(testPassword(), testPassword());
 * ```
 */
export function testPassword(): string {
  return "test-" + hex(crypto.getRandomValues(new Uint8Array(9)));
}
