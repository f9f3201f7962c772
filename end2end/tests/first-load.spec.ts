import { test, expect } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, waitForHydration } from "./helpers";

// First load as an admin on a slow link feels it: the network throttled through the DevTools
// protocol to 10 Mbit/s and 40 ms, cold cache. Prints the figures (README reports them).
test("the wasm arrives brotli-compressed, All users hydrates on a slow link, and a second visit downloads no wasm", async ({ page, context }) => {
  test.setTimeout(60_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 40,
    downloadThroughput: (10 * 1024 * 1024) / 8,
    uploadThroughput: (10 * 1024 * 1024) / 8,
  });
  const wasm: { status: number; encoding?: string; bytes: number }[] = [];
  const sizes = new Map<string, number>();
  cdp.on("Network.loadingFinished", (e) => sizes.set(e.requestId, e.encodedDataLength));
  const byId = new Map<string, { status: number; encoding?: string }>();
  cdp.on("Network.responseReceived", (e) => {
    if (e.response.url.endsWith(".wasm")) {
      byId.set(e.requestId, { status: e.response.status, encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] });
    }
  });
  const collect = () => {
    for (const [id, r] of byId) wasm.push({ ...r, bytes: sizes.get(id) ?? 0 });
    byId.clear();
  };

  await page.goto("/login?next=%2Fadmin%2Fusers");
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  const started = Date.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await waitForHydration(page);
  const hydrated = Date.now() - started;
  collect();
  expect(wasm.length).toBeGreaterThan(0);
  if (process.env.FIRST_LOAD_UNCOMPRESSED) {
    console.log("(measuring without the precompressed files, for comparison)");
  } else {
    expect(wasm[0].encoding).toBe("br");
  }
  const transferred = wasm.reduce((sum, w) => sum + w.bytes, 0);
  console.log(`first load at 10 Mbit/s, 40 ms: sign in -> All users hydrated in ${hydrated} ms; wasm transferred ${(transferred / 1024).toFixed(0)} KB (brotli)`);

  // Second visit: the browser revalidates and the server answers 304 with no body.
  wasm.length = 0;
  const again = Date.now();
  await page.goto("/admin/invitations");
  await waitForHydration(page);
  const second = Date.now() - again;
  collect();
  // What crossed the network for the wasm: headers only (a few hundred bytes), no body.
  const downloaded = wasm.reduce((sum, w) => sum + w.bytes, 0);
  console.log(`second visit: Invitations hydrated in ${second} ms; ${downloaded} bytes transferred for the wasm (headers only)`);
  expect(downloaded).toBeLessThan(2048);
});
