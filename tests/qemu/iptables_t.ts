/**
 * A runner for iptables `.t` files (`kernel/libxt_SYSRQ.t`): lines of
 * `rule;expected-save;OK|FAIL` ("=" for the rule itself), judged in the
 * guest the way iptables' own iptables-test.py judges them. An optional
 * fourth field, `LEGACY` or `NFT`, names the only variant a line holds for.
 *
 * @module
 */

import type { Vm } from "./vm.ts";

/** The rule lines of a `.t` file (chain headers and comments left out). */
export async function tFileLines(url: URL): Promise<string[]> {
  return (await Deno.readTextFile(url)).split("\n")
    .filter((l) => l && !l.startsWith(":") && !l.startsWith("#"));
}

/**
 * Judges one `.t` line with iptables command `cmd` (e.g. ip6tables-nft):
 * an OK rule must be added and saved exactly as expected, a FAIL rule
 * refused. Returns what was wrong, or "" when the line holds. Leaves the
 * INPUT chain empty.
 */
export async function tLine(
  vm: Vm,
  cmd: string,
  line: string,
): Promise<string> {
  const [rule, expected, result, only] = line.split(";");
  const variant = cmd.endsWith("-nft") ? "NFT" : "LEGACY";
  if (only && only !== variant) return "";
  const want = expected === "=" ? rule : expected;
  const out = await vm.must(
    `${cmd} -A INPUT ${rule} >/dev/null 2>&1; echo rc=$?; ` +
      `${cmd}-save | grep -- '^-A INPUT'; ${cmd} -F INPUT`,
  );
  const added = /rc=0/.test(out);
  const saved = out.split("\n").filter((l) => l.startsWith("-A INPUT "))
    .map((l) => l.slice("-A INPUT ".length));
  if (result === "OK") {
    if (!added) return "refused";
    if (saved.length !== 1 || saved[0] !== want) {
      return `saved as ${JSON.stringify(saved)}`;
    }
    return "";
  }
  return added || saved.length > 0 ? "accepted, expected FAIL" : "";
}
