import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test("pages send a nonced Content-Security-Policy that hydration works under and injected scripts do not", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (m) => { if (/Content Security Policy/.test(m.text())) violations.push(m.text()); });
  const response = await page.goto("/login");
  const policy = response!.headers()["content-security-policy"];
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval'/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(response!.headers()["x-content-type-options"]).toBe("nosniff");

  await signIn(page, "/admin/users");
  await waitForHydration(page);
  // Leptos's own inline scripts ran (the page hydrated) without a single violation.
  expect(violations).toEqual([]);

  // A script injected into the page (what stored XSS would do) is refused by the browser.
  const outcome = await page.evaluate(async () => {
    const refused = new Promise<string>((resolve) => {
      document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), { once: true });
      setTimeout(() => resolve("no violation"), 2000);
    });
    const script = document.createElement("script");
    script.textContent = "window.__injected = true;";
    document.body.appendChild(script);
    return { directive: await refused, ran: (window as unknown as { __injected?: boolean }).__injected === true };
  });
  expect(outcome.ran).toBe(false);
  expect(outcome.directive).toMatch(/script-src/);
});

test("an import named with markup shows it as text in the title and runs nothing", async ({ page }) => {
  await signIn(page, "/admin/organizations");
  const hostile = "</title><img src=x onerror=alert(document.domain)>";
  const organizations = await page.request.post("/api/list_organizations", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: "",
  });
  const globex = (await organizations.json()).find((o: { name: string }) => o.name === "Globex");
  const imported = await page.request.post("/api/import_users", {
    headers: { "content-type": "application/json" },
    data: {
      request: {
        kind: "EndUser", organization_id: globex.id, source_name: hostile, idempotency_key: `xss-${Date.now()}`,
        table: { rows: [{ line: 1, cells: ["First Name", "Last Name", "Email", "Roles"] }, { line: 2, cells: ["Tia", "Title", `tia.${Date.now()}@globex.example`, "Requester"] }] },
        mapping: { header: "Detect", fields: null },
        options: { mode: "CreateOnly", invalid_rows: "FailImport", send_invitations: false },
      },
    },
  });
  expect(imported.status()).toBe(200);
  const { job_id } = await imported.json();
  let alerted = false;
  page.on("dialog", async (d) => { alerted = true; await d.dismiss(); });
  await page.goto(`/admin/imports/${job_id}`);
  await waitForHydration(page);
  await expect(page).toHaveTitle(`Import of ${hostile} · Help desk admin`);
  expect(await page.locator("img[src=x]").count()).toBe(0);
  expect(alerted).toBe(false);
});

test("an import too large to send says so in words", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  const dialog = page.getByRole("dialog", { name: "Import end users" });
  // About 4.8 MB, over the 4 MB the test server takes in an import upload
  // (IMPORT_MAX_UPLOAD_BYTES in scripts/e2e-server.sh).
  const rows = Array.from({ length: 70_000 }, (_, i) => `Big,Import,big.import.${i}@globex.example,+1 888 667 8888,Requester`);
  await dialog.getByLabel(/Or choose a file/).setInputFiles({
    name: "everyone.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`First name,Last name,Email,Phone,Roles\n${rows.join("\n")}\n`),
  });
  await expect(dialog.getByText("70000 rows")).toBeVisible({ timeout: 60_000 });
  await dialog.getByRole("button", { name: "Import 70000 users" }).click({ timeout: 60_000 });
  await expect(dialog.getByRole("alert")).toContainText("This import is too large to send at once (the limit is 4 MB)", { timeout: 60_000 });
});
