import { test, expect } from "@playwright/test";
import { appScriptUrl, openGlobexImport } from "./helpers";

// Issue 14's keyboard test: 200,000 pasted rows in the scrolling preview grid, worked from the
// keyboard alone, as a screen-reader or keyboard user would.
const ROWS = 200_000;

test(`${ROWS} pasted rows: the keyboard reaches the last row, fixing its email drops the counter, and roles go to rows far apart`, async ({ page }) => {
  test.setTimeout(240_000);
  const dialog = await openGlobexImport(page);

  // The engine benchmark's sample, and a last row whose email has a typo.
  await page.evaluate(async ({ rows, js }) => {
    const engine: any = await import(js);
    const text: string =
      (await engine.import_sample_paste(rows)) + "Zoe\tLast\tzoe.last@@example.com\t\tRequester\tStandard\tHQ\tEMP-LAST\n";
    const clipboard = new DataTransfer();
    clipboard.setData("text/plain", text);
    const textarea = document.getElementById("import-paste")!;
    textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
  }, { rows: ROWS, js: await appScriptUrl(page) });

  const counters = dialog.locator(".counters");
  await expect(counters).toContainText(`${ROWS + 1} rows`);
  await expect(counters.locator(".ok")).toBeVisible({ timeout: 60_000 });
  const problems = async () => Number((await counters.locator(".bad").textContent())!.match(/\d+/)![0]);
  const before = await problems();

  const grid = dialog.getByRole("grid", { name: "Rows to import" });
  // Every row counts (plus the column headers), while only the rows in view are in the DOM.
  await expect(grid).toHaveAttribute("aria-rowcount", String(ROWS + 2));
  expect(await grid.locator("tbody tr:not(.spacer)").count()).toBeLessThan(40);
  // Rows are drawn at the height the scrolling window is computed from.
  const height = await grid.locator("tbody tr:not(.spacer)").first().evaluate((tr) => tr.getBoundingClientRect().height);
  expect(height).toBeCloseTo(48, 0);

  // One tab stop: the first cell. Space selects its row.
  const focused = grid.locator("td:focus");
  await grid.locator('td[tabindex="0"]').focus();
  await expect(grid.locator('td[tabindex="0"]')).toHaveCount(1);
  await expect(focused).toHaveText("Maria");
  await page.keyboard.press("Space");
  await expect(dialog.getByText("1 selected")).toBeVisible();

  // Page Down moves a screenful; Ctrl+End goes to the last row's last cell, far below.
  await page.keyboard.press("PageDown");
  const rowIndex = () => focused.evaluate((td) => Number(td.parentElement!.getAttribute("aria-rowindex")));
  expect(await rowIndex()).toBeGreaterThan(3);
  await page.keyboard.press("Control+End");
  await expect(focused).toHaveText("EMP-LAST");
  expect(await rowIndex()).toBe(ROWS + 2);
  expect(await grid.locator("tbody tr:not(.spacer)").count()).toBeLessThan(40);

  // Home, then two to the right: the email with the typo. Enter edits it; Enter again keeps it.
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(focused).toHaveAttribute("aria-invalid", "true");
  await expect(focused).toContainText("zoe.last@@example.com");
  await page.keyboard.press("Enter");
  const editor = dialog.getByRole("textbox", { name: `Edit row ${ROWS + 2} column 3` });
  await expect(editor).toBeFocused();
  await editor.fill("zoe.last@example.com");
  await page.keyboard.press("Enter");
  await expect(focused).toHaveAttribute("aria-invalid", "false");
  await expect(counters.locator(".bad")).toHaveText(`${before - 1} with problems`);

  // Select the last row too, and give both rows (200,000 apart) a role.
  await page.keyboard.press("Space");
  await expect(dialog.getByText("2 selected")).toBeVisible();
  await dialog.getByRole("button", { name: "Assign roles" }).click();
  await dialog.getByRole("checkbox", { name: "Approver" }).check();
  await dialog.getByRole("button", { name: "Apply to selected rows" }).click();
  const lastRow = grid.locator(`tr[aria-rowindex="${ROWS + 2}"]`);
  await expect(lastRow).toContainText("Approver");

  // Back to the first row with Ctrl+Home: it has the role too.
  await grid.locator('td[tabindex="0"]').focus();
  await page.keyboard.press("Control+Home");
  await expect(focused).toHaveText("Maria");
  await expect(grid.locator('tr[aria-rowindex="2"]')).toContainText("Approver");

  // Search finds the fixed row among all of them.
  await dialog.getByRole("searchbox", { name: "Search rows by name or email" }).fill("zoe.last@");
  await expect(dialog.getByText(`Showing 1 of ${(ROWS + 1).toLocaleString("en-US")} rows`)).toBeVisible();
  await expect(grid.locator("tbody tr:not(.spacer)")).toHaveCount(1);
  await expect(grid).toContainText("zoe.last@example.com");
});
