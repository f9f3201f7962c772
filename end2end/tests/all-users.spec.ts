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

test("All users pages through 120 matching users with First, Previous, Next and Last", async ({ page }) => {
  // 120 end users of Globex, imported by paste; their emails share a domain to search by.
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  const letters = (n: number) => String.fromCharCode(97 + Math.floor(n / 26), 97 + (n % 26));
  const domain = `paging${Date.now()}.example`; // a run of its own, even against an old database
  const rows = Array.from({ length: 120 }, (_, i) => `Page\tTurner${letters(i)}\tturner${i}@${domain}`);
  await page.getByLabel("Paste from Excel or Google Sheets").fill(rows.join("\n"));
  await page.getByRole("button", { name: "Preview" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("button", { name: "Import 120 users" }).click();
  await expect(dialog.getByRole("status").first()).toContainText("120 created");

  await page.goto(`/admin/users?q=${domain}`);
  await waitForHydration(page);
  const table = page.getByRole("table", { name: "All users" });
  const pager = page.getByRole("navigation", { name: "Pages" });
  const firstRow = table.getByRole("row").nth(1);
  await expect(pager).toContainText("Page 1 of 3");
  await expect(firstRow).toContainText("Turneraa");
  await pager.getByRole("link", { name: "Next →" }).click();
  await expect(page).toHaveURL(/page=1&after=\d+/);
  await expect(pager).toContainText("Page 2 of 3");
  await expect(firstRow).toContainText("Turnerby"); // the 51st: b, y → 26 + 24 = 50 (from 0)
  await pager.getByRole("link", { name: "Last »" }).click();
  await expect(pager).toContainText("Page 3 of 3");
  await expect(table.getByRole("row")).toHaveCount(21); // header + 20
  await expect(table.getByRole("row").last()).toContainText("Turnerep"); // 4 * 26 + 15 = 119
  await pager.getByRole("link", { name: "← Previous" }).click();
  await expect(page).toHaveURL(/page=1&before=\d+/);
  await expect(pager).toContainText("Page 2 of 3");
  await expect(firstRow).toContainText("Turnerby");
  await page.goBack();
  await expect(pager).toContainText("Page 3 of 3");
  await pager.getByRole("link", { name: "« First" }).click();
  await expect(pager).toContainText("Page 1 of 3");
  await expect(firstRow).toContainText("Turneraa");
});
