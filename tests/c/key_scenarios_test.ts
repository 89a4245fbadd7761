/**
 * The attack stories of issue 14 (tests/c/key_scenarios.c) against the C
 * verifier: a packet for one server sent to another at the same address,
 * an unknown key id, a removed key, a rotation, a retry to another of the
 * server's addresses, the right id with the wrong key or address, replies
 * sealed with the request's key, and the info probe. Needs make, a C
 * compiler and libssl-dev.
 *
 * @module
 */
import { checkStories } from "./_harness.ts";

const STORIES = [
  "other-server-same-address",
  "unknown-key-costs-nothing",
  "removed-key-refused",
  "rotation-shares-the-state",
  "retry-to-another-address",
  "wrong-key-under-right-id",
  "replies-sealed-with-request-key",
  "info-probe",
];

Deno.test(
  "C verifier: no packet acts under a key or server it was not made for",
  (t) => checkStories(t, "key_scenarios", STORIES),
);
