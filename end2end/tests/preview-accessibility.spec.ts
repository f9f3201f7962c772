import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { openGlobexImport } from "./helpers";

// Issue 14: the scrolling preview grid stays accessible. axe-core checks the Import users
// dialog at each step an admin goes through; a serious or critical violation fails the test.
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).include('[role="dialog"]').analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

test("axe-core finds nothing serious in the import dialog: paste box, preview grid, problems only, search", async ({ page }) => {
  const dialog = await openGlobexImport(page);
  expect(await seriousViolations(page)).toEqual([]);

  // 300 rows (more than are drawn), every seventh with a broken email.
  const lines = ["First Name\tLast Name\tEmail\tPhone"];
  for (let i = 1; i <= 300; i++) {
    const email = i % 7 === 0 ? `row${i}@@globex.example` : `row${i}@globex.example`;
    lines.push(`Ann\tRow\t${email}\t+1 888 667 ${String(1000 + i)}`);
  }
  await dialog.getByLabel("Paste from Excel or Google Sheets").fill(lines.join("\n") + "\n");
  await dialog.getByRole("button", { name: "Preview" }).click();
  const counters = dialog.locator(".counters");
  await expect(counters).toContainText("42 with problems");
  // The counters are announced as they change.
  await expect(counters).toHaveAttribute("aria-live", "polite");
  const grid = dialog.getByRole("grid", { name: "Rows to import" });
  await expect(grid).toHaveAttribute("aria-rowcount", "301");
  expect(await grid.locator("tbody tr:not(.spacer)").count()).toBeLessThan(300);
  expect(await seriousViolations(page)).toEqual([]);

  // A cell being edited, then the filtered views.
  await grid.getByRole("gridcell", { name: /row7@@globex\.example/ }).click();
  await expect(dialog.getByRole("textbox", { name: /Edit row \d+ column 3/ })).toBeFocused();
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press("Escape");

  await dialog.getByLabel("Show only rows with problems").check();
  await expect(dialog.getByText("Showing 42 of 300 rows")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await dialog.getByLabel("Show only rows with problems").uncheck();

  await dialog.getByRole("searchbox", { name: "Search rows by name or email" }).fill("row150@");
  await expect(dialog.getByText("Showing 1 of 300 rows")).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
