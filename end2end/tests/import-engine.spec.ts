import { test, expect } from "@playwright/test";
import { readFileSync, existsSync } from "node:fs";
import { appScriptUrl, signIn, waitForHydration } from "./helpers";

// scripts/test.sh runs the native benchmark first and leaves its report digest here.
const nativeDigestFile = process.env.IMPORT_DIGEST_FILE ?? "";

test("the wasm engine computes the same report as the native one, and prints its speed", async ({ page }) => {
  test.skip(!nativeDigestFile || !existsSync(nativeDigestFile), "run through scripts/test.sh: it writes the native digest first");
  test.setTimeout(120_000);
  const native = JSON.parse(readFileSync(nativeDigestFile, "utf8"));
  await signIn(page);
  await waitForHydration(page);
  const result = await page.evaluate(async ({ rows, js }) => {
    const engine = await import(js);
    return JSON.parse(await engine.import_engine_benchmark(rows));
  }, { rows: native.rows, js: await appScriptUrl(page) });
  console.log(
    `wasm in Chromium: ${result.rows} rows × 8 columns in ${result.total_ms} ms ` +
      `(parse ${result.parse_ms} ms, validate ${result.validate_ms} ms): ${result.rows_per_second} rows/s; ` +
      `phone metadata first use ${result.phone_first_use_ms} ms; native ${native.rows_per_second} rows/s`,
  );
  expect(result.digest).toBe(native.digest);
});
