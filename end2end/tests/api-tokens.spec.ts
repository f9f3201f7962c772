import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

// What a newcomer does: make a token on Administration → API tokens, import 1,000 end users
// with one request carrying a CSV file (as the README's curl does), read the result, see the
// import on Import history under the token's name, revoke the token, and find it refused.
// The users are named to sort after everyone else, so the tests that follow (sharing this
// server's database) still find the demo users on All users' first page.
test("an API token made on the page imports 1,000 end users from a CSV, then is revoked", async ({ page, request }) => {
  test.setTimeout(120_000);
  const run = Date.now();
  const name = `E2E sync ${run}`;
  const domain = `api${run}.example`;

  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Acme Corporation" }).click();
  const organizationId = new URL(page.url()).pathname.split("/").pop();

  await page.goto("/admin/api-tokens");
  await waitForHydration(page);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Expires after").selectOption({ label: "30 days" });
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.locator(".token-secret").textContent()) ?? "";
  expect(secret).toMatch(/^bit_[A-Za-z0-9_-]{43}$/);
  await expect(page.getByRole("status").filter({ hasText: "shown again" })).toContainText("it will not be shown again");
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Never");

  let csv = "First name,Last name,Email,Phone\n";
  for (let i = 0; i < 1000; i++) {
    csv += `Ada,Zyzzyva,ada${i}@${domain},'+1 888 667 ${String(1000 + i).padStart(4, "0")}\n`;
  }
  const started = Date.now();
  const response = await request.post(
    `/ws/appuser/bulk-import?kind=endUser&organizationId=${organizationId}&sendInvitations=false`,
    { headers: { Authorization: `Bearer ${secret}`, "Content-Type": "text/csv" }, data: csv },
  );
  const elapsed = Date.now() - started;
  const body = await response.json();
  expect(response.status(), JSON.stringify(body)).toBe(200);
  expect(body).toMatchObject({ status: "completed", created: 1000, failed: 0, problems: [] });
  console.log(`REST import of 1,000 end users from CSV, request to result: ${elapsed} ms`);

  // The same job, followed by its URL.
  const followed = await request.get(body.url, { headers: { Authorization: `Bearer ${secret}` } });
  expect(followed.status()).toBe(200);
  expect((await followed.json()).created).toBe(1000);

  await page.goto("/admin/imports");
  await expect(page.getByText(`API token “${name}”`).first()).toBeVisible();

  // Revoked on the page: the next request is refused at once.
  await page.goto("/admin/api-tokens");
  await waitForHydration(page);
  await page.getByRole("button", { name: `Revoke ${name}` }).click();
  // Revoking cannot be undone: it asks once more.
  await page.getByRole("button", { name: `Confirm revoking ${name}` }).click();
  await expect(page.getByRole("status").filter({ hasText: "revoked" })).toContainText(`Token “${name}” revoked`);
  await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Revoked");
  const refused = await request.get(body.url, { headers: { Authorization: `Bearer ${secret}` } });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("unauthenticated");
});

// The reference a script's author reads: linked from API tokens, read from the OpenAPI
// document the server serves, every operation with its parameters and answers, and each type
// a link to its schema.
test("the API reference lists every operation of the OpenAPI document, linked from API tokens", async ({ page, request }) => {
  await signIn(page, "/admin/api-tokens");
  await waitForHydration(page);
  await page.getByRole("link", { name: "API reference" }).click();
  await expect(page).toHaveURL(/\/admin\/api-reference$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Bulk user import API");

  const document = await (await request.get("/ws/openapi.json")).json();
  expect(document.openapi).toBe("3.1.0");
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) operations.push(`${method.toUpperCase()} ${path}`);
  }
  expect(operations.length).toBe(5);
  for (const operation of operations) {
    await expect(page.getByRole("heading", { level: 2, name: operation, exact: true })).toBeVisible();
  }
  const importSection = page.locator("section.api-operation", { has: page.getByRole("heading", { name: "POST /ws/appuser/bulk-import" }) });
  await expect(importSection.getByRole("row", { name: /^Idempotency-Key/ })).toContainText("header");
  await expect(importSection.getByRole("row", { name: /^422/ })).toContainText("ErrorBody");
  // A type is a link to its schema.
  await importSection.getByRole("row", { name: /^200/ }).getByRole("link", { name: "ImportJobBody" }).click();
  await expect(page).toHaveURL(/#schema-ImportJobBody$/);
  await expect(page.locator("#schema-ImportJobBody")).toBeInViewport();
});
