import { test, expect } from "@playwright/test";
import { signIn } from "./helpers";

test("an organization shows its end users", async ({ page }) => {
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Acme Corporation" }).click();
  await expect(page.getByRole("heading", { name: "Acme Corporation" })).toBeVisible();
  await expect(page.getByRole("tab", { name: "End users" })).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("row", { name: /María|Maria García/ })).toContainText("Requester");
});
