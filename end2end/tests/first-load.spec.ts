import { test, expect, Browser, BrowserContext, Page } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, signIn, waitForHydration } from "./helpers";

// First load as an admin on a slow link feels it: the network throttled through the DevTools
// protocol to 10 Mbit/s and 40 ms, cold cache (a new browser context each time). Prints the
// figures (README reports them). Issue 15's targets: at most 150 KB of wasm and JS (brotli)
// before any admin page is interactive, sign-in → All users ≤ 1.0 s, the importer ready
// ≤ 500 ms after the modal opens. The first is not met yet: the pages themselves (leptos's
// views and reactivity, serde) are most of the main module. The budget below keeps what the
// split won from being lost (a call from the main module into a chunk's code pulls that code
// back in); the figure is printed against the target.
const TARGET_KB = 150;
const INITIAL_BUDGET_KB = 850;

type Fetched = { url: string; status: number; encoding?: string; bytes: number; cached: boolean };

/** Throttles the page's network and records every file fetched from /pkg/. */
async function watchPkg(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 40,
    downloadThroughput: (10 * 1024 * 1024) / 8,
    uploadThroughput: (10 * 1024 * 1024) / 8,
  });
  const pending = new Map<string, Fetched>();
  const fetched: Fetched[] = [];
  cdp.on("Network.responseReceived", (e) => {
    if (e.response.url.includes("/pkg/") || e.response.url.includes("/assets/")) {
      const headers = e.response.headers;
      pending.set(e.requestId, {
        url: new URL(e.response.url).pathname,
        status: e.response.status,
        encoding: headers["content-encoding"] ?? headers["Content-Encoding"],
        bytes: 0,
        cached: Boolean(e.response.fromDiskCache || e.response.fromMemoryCache),
      });
    }
  });
  cdp.on("Network.requestServedFromCache", (e) => {
    const f = pending.get(e.requestId);
    if (f) f.cached = true;
  });
  cdp.on("Network.loadingFinished", (e) => {
    const f = pending.get(e.requestId);
    if (f) {
      f.bytes = f.cached ? 0 : e.encodedDataLength;
      fetched.push(f);
      pending.delete(e.requestId);
    }
  });
  return {
    fetched,
    /** wasm and JS that crossed the network, in KB. */
    kb: () => fetched.filter((f) => /\.(wasm|js)$/.test(f.url)).reduce((sum, f) => sum + f.bytes, 0) / 1024,
    wasm: () => fetched.filter((f) => f.url.endsWith(".wasm")),
    /** The numbering plans' data, fetched with the first phone checked. */
    plans: () => fetched.filter((f) => f.url.startsWith("/assets/phone-plans.")),
    clear: () => (fetched.length = 0),
  };
}

async function coldContext(browser: Browser, signedIn: BrowserContext) {
  return browser.newContext({ storageState: await signedIn.storageState() });
}

test("every admin page hydrates on a slow link from the main wasm alone, brotli, without the import engine or the phone plans", async ({ browser, page, context }) => {
  test.setTimeout(120_000);
  await signIn(page);
  const userHref = await page.locator('a[href^="/admin/users/"]').filter({ hasNotText: "Add user" }).first().getAttribute("href");
  for (const [name, path] of [
    ["All users", "/admin/users"],
    ["Invitations", "/admin/invitations"],
    ["a user's page", userHref!],
  ]) {
    const cold = await coldContext(browser, context);
    const fresh = await cold.newPage();
    const net = await watchPkg(cold, fresh);
    const started = Date.now();
    await fresh.goto(path);
    await fresh.locator("html[data-hydrated=true]").waitFor({ state: "attached" });
    const hydrated = Date.now() - started;
    const files = net.fetched.map((f) => `${f.url.replace(/^\/pkg\//, "")} ${(f.bytes / 1024).toFixed(1)} KB`).join(", ");
    console.log(`first load of ${name} at 10 Mbit/s, 40 ms, cold cache: hydrated in ${hydrated} ms after ${net.kb().toFixed(0)} KB of wasm and JS (target ${TARGET_KB} KB; ${files})`);
    // One wasm (the app's main module), brotli; no chunk of the engine or the phone plans.
    expect(net.wasm()).toHaveLength(1);
    expect(net.wasm()[0].encoding).toBe("br");
    expect(net.kb()).toBeLessThanOrEqual(INITIAL_BUDGET_KB);
    expect(net.plans()).toHaveLength(0);
    await cold.close();
  }
});

test("sign-in to All users on a slow link, and a second visit downloads no wasm at all", async ({ page, context }) => {
  test.setTimeout(60_000);
  const net = await watchPkg(context, page);
  const opened = Date.now();
  await page.goto("/login?next=%2Fadmin%2Fusers");
  await waitForHydration(page);
  const signInReady = Date.now() - opened;
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  const started = Date.now();
  await page.getByRole("button", { name: "Sign in" }).click();
  // Signing in navigates within the page (it is already hydrated): until All users shows.
  await page.waitForURL(/\/admin\/users$/, { waitUntil: "commit" });
  await page.getByRole("heading", { name: "All users" }).waitFor();
  const hydrated = Date.now() - started;
  console.log(
    `sign-in page at 10 Mbit/s, 40 ms, cold cache: hydrated in ${signInReady} ms after ${net.kb().toFixed(0)} KB of wasm and JS; ` +
      `Sign in → All users shown in ${hydrated} ms`,
  );
  expect(net.kb()).toBeLessThanOrEqual(INITIAL_BUDGET_KB);

  // Second visit: files named by their content come from the cache without a question; the
  // main JS and wasm (named before the build wrote into them) are revalidated: 304, no body.
  net.clear();
  const again = Date.now();
  await page.goto("/admin/invitations");
  await waitForHydration(page);
  const second = Date.now() - again;
  // (Chromium reports a revalidated file with the cached answer's 200: its bytes are headers.)
  const bodies = net.fetched.filter((f) => f.bytes > 1024);
  console.log(
    `second visit: Invitations hydrated in ${second} ms; ${net.kb().toFixed(1)} KB of wasm and JS over the network ` +
      `(${net.fetched.filter((f) => f.bytes > 0).length} files revalidated, headers only; ${net.fetched.filter((f) => f.bytes === 0).length} from the cache unasked)`,
  );
  expect(bodies).toHaveLength(0);
  expect(net.kb()).toBeLessThan(4);
});

test("the import engine arrives when the modal opens (once), the paste box takes input at once, and the phone plans arrive with a phone", async ({ browser, page, context }) => {
  test.setTimeout(60_000);
  await signIn(page);
  const cold = await coldContext(browser, context);
  const fresh = await cold.newPage();
  const net = await watchPkg(cold, fresh);
  await fresh.goto("/admin/users");
  await waitForHydration(fresh);
  const mainWasm = net.wasm().map((f) => f.url);
  expect(mainWasm).toHaveLength(1);

  // The admin points at Import (the chunk starts coming), then clicks.
  const button = fresh.getByRole("button", { name: "Import technicians" });
  await button.hover();
  const clicked = Date.now();
  await button.click();
  const dialog = fresh.getByRole("dialog", { name: "Import technicians" });
  const pasteBox = dialog.getByLabel("Paste from Excel or Google Sheets");
  // waitFor watches the page as it changes (expect's polling would round the times up).
  await pasteBox.waitFor();
  const usable = Date.now() - clicked;
  await expect(pasteBox).toBeEditable();
  // Typed before the engine is there: kept, and the importer goes on with it.
  await pasteBox.fill("Ada\tLovelace\tada.early@example.com\n");
  await dialog.getByText(/^Up to [\d,]+ rows/).waitFor();
  const ready = Date.now() - clicked;
  const chunks = [...net.wasm().filter((f) => !mainWasm.includes(f.url)), ...net.plans()];
  console.log(
    `Import modal at 10 Mbit/s, 40 ms: paste box usable ${usable} ms after the click, importer ready ${ready} ms after it ` +
      `(hovered first); fetched ${chunks.map((c) => `${c.url.replace(/^\/pkg\//, "")} ${(c.bytes / 1024).toFixed(0)} KB`).join(", ")}`,
  );
  expect(chunks.length).toBeGreaterThan(0);
  // The plans' data once, though the hover, the modal and the engine all asked for it.
  expect(net.plans()).toHaveLength(1);
  await expect(pasteBox).toHaveValue("Ada\tLovelace\tada.early@example.com\n");
  await dialog.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByText("0 with problems")).toBeVisible();

  // Closed and opened again: nothing is fetched again.
  await dialog.getByRole("button", { name: "Close" }).click();
  net.clear();
  await button.click();
  await expect(dialog.getByText(/^Up to [\d,]+ rows/)).toBeVisible();
  expect(net.wasm().filter((f) => f.bytes > 0)).toHaveLength(0);
  expect(net.plans()).toHaveLength(0);
  await dialog.getByRole("button", { name: "Close" }).click();

  await cold.close();

  // Add user, cold: the page hydrates without the phone plans; they come with the first phone
  // typed, and then judge it.
  const coldAgain = await coldContext(browser, context);
  const addUser = await coldAgain.newPage();
  const addNet = await watchPkg(coldAgain, addUser);
  await addUser.goto("/admin/users/new");
  await waitForHydration(addUser);
  expect(addNet.wasm()).toHaveLength(1);
  expect(addNet.plans()).toHaveLength(0);
  await addUser.getByLabel("Phone").fill("+1 123");
  await expect(addUser.locator("#phone-error")).toHaveText("This is not a valid phone number for its country.");
  const phoneChunks = [...addNet.wasm().slice(1), ...addNet.plans()];
  expect(phoneChunks.map((f) => f.url).join(" ")).toContain("split_phone_rule");
  // The plans' data is a file of its own (not in any wasm), compressed.
  expect(addNet.plans()).toHaveLength(1);
  expect(addNet.plans()[0].encoding).toBe("br");
  await addUser.getByLabel("Phone").fill("+1 888 667 8888");
  await expect(addUser.locator("#phone-error")).toHaveText("");
  console.log(`Add user: fetched on the first phone typed: ${phoneChunks.map((f) => `${f.url.replace(/^\/pkg\//, "")} ${(f.bytes / 1024).toFixed(0)} KB`).join(", ")}`);
  await coldAgain.close();
});

test("what the admin pastes while the importer is still on its way is previewed when it arrives", async ({ page }) => {
  await signIn(page);
  await waitForHydration(page);
  // Hold the importer's chunk until the paste is in.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route((url) => url.pathname.includes("/pkg/split_import_engine"), async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole("button", { name: "Import technicians" }).click();
  const dialog = page.getByRole("dialog", { name: "Import technicians" });
  await expect(dialog.getByText("Getting the importer ready…")).toHaveCount(0);
  // A paste as the browser makes it: the paste event, then the text lands and an input event.
  await dialog.getByLabel("Paste from Excel or Google Sheets").evaluate((box: HTMLTextAreaElement) => {
    const text = "Grace\tHopper\tgrace.early@example.com\nAlan\tTuring\talan@@example.com\n";
    const clipboard = new DataTransfer();
    clipboard.setData("text/plain", text);
    box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
    box.value = text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await expect(dialog.getByText("Getting the importer ready…")).toBeVisible();
  release();
  await expect(dialog.getByText("1 with problems")).toBeVisible();
  await expect(dialog.getByRole("gridcell", { name: /alan@@example\.com/ })).toHaveAttribute("aria-invalid", "true");
});

for (const [what, blocked] of [
  ["their code", "/pkg/split_phone_rule"],
  ["their data", "/assets/phone-plans."],
]) test(`when the phone plans (${what}) cannot be fetched, the phone field says so and the form still saves`, async ({ page }) => {
  await page.route((url) => url.pathname.startsWith(blocked), (route) => route.abort());
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Kind of user").selectOption({ label: "End user" });
  await page.getByLabel("Organization").selectOption({ label: "Globex" });
  await page.getByLabel("First name").fill(blocked.includes("pkg") ? "Offline" : "Unplanned");
  await page.getByLabel("Last name").fill("Phone");
  await page.getByLabel("Email", { exact: true }).fill(`${blocked.includes("pkg") ? "offline" : "unplanned"}.phone@example.com`);
  await page.getByLabel("Phone").fill("+1 888 667 8888");
  await expect(page.getByText("Phone numbers cannot be checked here right now; the number is checked when you save.")).toBeVisible();
  // The checks that need no plan still answer.
  await page.getByLabel("Phone").fill("888 667 8888");
  await expect(page.locator("#phone-error")).toHaveText("Start the number with + and its country code, e.g. +1 888 667 8888.");
  await page.getByLabel("Phone").fill("+1 888 667 8888");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("heading", { name: `${blocked.includes("pkg") ? "Offline" : "Unplanned"} Phone` })).toBeVisible();
  await expect(page.getByLabel("Phone")).toHaveValue("+1 888-667-8888");
});
