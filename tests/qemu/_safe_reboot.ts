/**
 * Sends a safe reboot (docs/PROTOCOL.md, "Safe reboot") to a guest with
 * the library the client is built on (mod.ts): a probe for the guest's
 * boot id and clock, then one request `b` with SAFE_REBOOT (and, if asked,
 * ONLY_IF_SYNCED), and its ack. The client's own `--safe-reboot` option is
 * not there yet; this sends the same bytes it will.
 *
 * @module
 */

import {
  createProbe,
  createRequest,
  deriveKey,
  type MacKey,
  verifyReply,
} from "../../mod.ts";
import type { Vm } from "./vm.ts";

/** What came back. */
export interface SafeRebootSent {
  /** A verified ack for the request arrived. */
  acked: boolean;
  /** Its status for `b`, when acked ("executed", "refused-rule"...). */
  status?: string;
}

async function clock(vm: Vm, key: MacKey, serverAddress: string) {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const replies = await vm.exchange(
    [createProbe(key, { serverAddress, nonce })],
    { want: 1, timeoutMs: 3_000 },
  );
  for (const r of replies) {
    const answer = verifyReply(key, r, {
      serverAddress,
      request: { probe: true, nonce },
    });
    if (answer?.type === "clock") {
      return { bootId: answer.bootId, time: answer.serverTime };
    }
  }
  throw new Error("the guest sent no verified clock answer");
}

/** Sends one safe reboot to `vm`'s v4 address with its password. */
export async function sendSafeReboot(
  vm: Vm,
  options: { onlyIfSynced?: boolean } = {},
): Promise<SafeRebootSent> {
  const key = await deriveKey(vm.password!);
  const serverAddress = vm.address("v4");
  const { bootId, time } = await clock(vm, key, serverAddress);
  const request = {
    keys: "b",
    bootId,
    timestamp: time,
    nonce: crypto.getRandomValues(new Uint8Array(12)),
    ackWanted: true,
  };
  const packet = createRequest(key, {
    ...request,
    serverAddress,
    safeReboot: true,
    onlyIfSynced: options.onlyIfSynced ?? false,
  });
  const replies = await vm.exchange([packet], { want: 1, timeoutMs: 3_000 });
  for (const r of replies) {
    const reply = verifyReply(key, r, { serverAddress, request });
    if (reply?.type === "ack") {
      return { acked: true, status: String(reply.statuses[0]) };
    }
  }
  return { acked: false };
}
