import { expect, Page } from "@playwright/test";

// Created by scripts/e2e-server.sh on a fresh database.
export const ADMIN_EMAIL = "admin@example.com";
export const ADMIN_PASSWORD = "e2e-admin-password-123";

export async function signIn(page: Page, next = "/admin/users") {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[?]/g, "\\?")}$`));
}

/** Waits until the wasm has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Signs in, opens Globex's page and its Import users modal; returns the dialog once the
 * importer is there. */
export async function openGlobexImport(page: Page) {
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  const dialog = page.getByRole("dialog", { name: "Import end users" });
  await expect(dialog.getByLabel("Paste from Excel or Google Sheets")).toBeVisible();
  // The importer's own first step (its chunk has arrived), not the early paste box.
  await expect(dialog.getByText(/^Up to [\d,]+ rows/)).toBeVisible();
  return dialog;
}

/** The URL of the page's app module (its name carries a hash), for tests that call its
 * exports: `await import(url)` inside `page.evaluate`. */
export async function appScriptUrl(page: Page): Promise<string> {
  return page.evaluate(() => (document.querySelector('link[rel="modulepreload"][href*="/pkg/"]') as HTMLLinkElement).href);
}
