import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test("All users searches, filters, sorts and pages in the URL, and resends to all matching after confirming", async ({ page }) => {
  await signIn(page, "/admin/users");
  await waitForHydration(page);
  const table = page.getByRole("table", { name: "All users" });

  // Search by part of an email; the URL keeps it (and the back button works).
  await page.getByLabel("Search").fill("initech");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page).toHaveURL(/q=initech/);
  await expect(page.getByRole("status").filter({ hasText: "match" })).toHaveText("2 users match");
  await expect(table.getByRole("row", { name: /initech\.example/ })).toHaveCount(2);

  // Both name orders find a person.
  await page.goto("/admin/users?q=gibbons%20peter");
  await expect(table.getByRole("row")).toHaveCount(2); // header + Peter
  await expect(table).toContainText("peter.gibbons@initech.example");

  // Filters narrow by organization; a column header sorts, then reverses.
  await page.goto("/admin/users?kind=end_user");
  await waitForHydration(page);
  await page.getByLabel("Organization").selectOption({ label: "Initech" });
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page).toHaveURL(/org=\d+/);
  await expect(table.getByRole("row")).toHaveCount(3);
  await table.getByRole("link", { name: "Email" }).click();
  await expect(page).toHaveURL(/sort=email/);
  await expect(table.getByRole("columnheader", { name: /Email/ })).toHaveAttribute("aria-sort", "ascending");
  await table.getByRole("link", { name: "Email" }).click();
  await expect(page).toHaveURL(/dir=desc/);
  await expect(table.getByRole("row").nth(1)).toContainText("samir");
  await page.goBack();
  await expect(page).not.toHaveURL(/dir=desc/);
  await expect(table.getByRole("row").nth(1)).toContainText("peter");

  // Select everyone matching (not only this page), resend, after a confirmation with the count.
  await waitForHydration(page);
  await page.getByRole("button", { name: "Select all 2 matching" }).click();
  await expect(page.getByText("All 2 users matching selected")).toBeVisible();
  await page.getByLabel("Action for the selected users").selectOption("resend");
  await page.getByRole("button", { name: "Apply to selected…" }).click();
  const confirm = page.getByRole("alertdialog");
  await expect(confirm).toContainText("Send a new invitation to 2 users?");
  await confirm.getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Sent" })).toHaveText("Sent 2 invitations.");
  await expect(table.getByRole("row", { name: /initech\.example/ }).first()).toContainText("Pending");

  // Deep pages past the end say so rather than failing.
  await page.goto("/admin/users?page=999999");
  await expect(page.getByText("Page 1000000 of 1")).toBeVisible();
});
