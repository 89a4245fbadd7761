import assert from "node:assert";
import { VERSION } from "./version.ts";

Deno.test("--version matches deno.json's version", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  assert.equal(VERSION, config.version);
});
