import { test, expect, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { signIn, waitForHydration } from "./helpers";

async function openGlobexImport(page: Page) {
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  await expect(page.getByRole("dialog", { name: "Import end users" })).toBeVisible();
}

async function paste(page: Page, text: string) {
  await page.getByLabel("Paste from Excel or Google Sheets").fill(text);
  await page.getByRole("button", { name: "Preview" }).click();
}

test("paste from Excel, fix a cell in place, assign a role, import, and find the users", async ({ page }) => {
  await openGlobexImport(page);
  // Header-less, tab-separated, as Excel puts it on the clipboard.
  await paste(page, "Pia\tPaste\tpia.paste@globex.example\t'+1 888 667 8888\nRon\tRows\tron.rows@@globex.example\t\n");
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("2 rows")).toBeVisible();
  await expect(dialog.getByText("1 with problems")).toBeVisible();
  const bad = dialog.getByRole("gridcell", { name: /ron\.rows@@globex\.example/ });
  await expect(bad).toHaveAttribute("aria-invalid", "true");
  await expect(bad).toContainText("Enter an email like name@example.com.");

  // Keyboard only: arrows move between cells, Enter edits, typing re-validates.
  await bad.focus();
  await page.keyboard.press("ArrowLeft");
  await expect(dialog.getByRole("gridcell", { name: "Rows", exact: true })).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(bad).toBeFocused();
  await page.keyboard.press("Enter");
  const editor = dialog.getByRole("textbox", { name: /Edit row 2 column 3/ });
  await editor.fill("ron.rows@globex.example");
  await page.keyboard.press("Enter");
  await expect(dialog.getByText("0 with problems")).toBeVisible();

  // The default end-user role was preselected; give both rows Approver as well.
  await dialog.getByRole("checkbox", { name: "Select all rows" }).check();
  await dialog.getByRole("button", { name: "Assign roles" }).click();
  await dialog.getByRole("checkbox", { name: "Approver" }).check();
  await dialog.getByRole("checkbox", { name: "Requester", exact: true }).check();
  await dialog.getByRole("button", { name: "Apply to selected rows" }).click();

  await dialog.getByRole("button", { name: "Import 2 users" }).click();
  await expect(dialog.getByRole("status").first()).toContainText("2 created");
  await dialog.getByRole("button", { name: "Close" }).click();

  await expect(page.getByRole("row", { name: /pia\.paste@globex\.example/ })).toContainText("Pending");
  await page.goto("/admin/users?page=0");
  const pia = page.getByRole("row", { name: /pia\.paste@globex\.example/ });
  await expect(pia).toContainText("Approver");
  await expect(pia).toContainText("Requester");
  await expect(pia).toContainText("Pending");
  await page.goto("/admin/imports");
  await expect(page.getByRole("row", { name: /Pasted text/ }).first()).toContainText("Completed");
});

test("a column can be remapped, and invalid rows either fail the import or are skipped", async ({ page }) => {
  await openGlobexImport(page);
  await paste(page, "First Name\tLast Name\tWork mail\tEmail\nSkip\tMe\tskip.me@globex.example\tnot-an-email\nKeep\tMe\tkeep.me@globex.example\tkeep.me@globex.example\n");
  const dialog = page.getByRole("dialog");
  // "Work mail" is unknown; map it to Email and ignore the other column.
  await dialog.getByRole("combobox", { name: "Column 4 is imported as" }).selectOption("Ignore");
  await dialog.getByRole("combobox", { name: "Column 3 is imported as" }).selectOption("Email");
  await expect(dialog.getByText("0 with problems")).toBeVisible();
  await dialog.getByRole("gridcell", { name: /skip\.me@globex\.example/ }).click();
  await dialog.getByRole("textbox", { name: /Edit row 2 column 3/ }).fill("skip.me@");
  await page.keyboard.press("Enter");
  await expect(dialog.getByText("1 with problems")).toBeVisible();
  await expect(dialog.getByRole("button", { name: /Import/ }).last()).toBeDisabled();
  await expect(dialog.getByText("Fix 1 row with problems, or choose to skip invalid rows.")).toBeVisible();
  await dialog.getByLabel("Skip rows with problems").check();
  await dialog.getByRole("button", { name: "Import 1 user, skip 1" }).click();
  await expect(dialog.getByText("1 created, 0 updated, 1 not imported")).toBeVisible();
  // The reports download from the server (plain links): the errors name the row not imported.
  const [errors] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("link", { name: "Download errors" }).click()]);
  expect(errors.suggestedFilename()).toMatch(/^import-\d+-errors\.csv$/);
  expect(readFileSync((await errors.path())!, "utf8")).toContain('"2","Email","skip.me@"');
  // Signed out meanwhile (the session ended): the link leads to sign-in, nothing is saved.
  await page.context().clearCookies();
  let saved = false;
  page.on("download", () => { saved = true; });
  await dialog.getByRole("link", { name: "Download errors" }).click();
  await expect(page).toHaveURL(/\/login\?next=.*errors\.csv/);
  expect(saved).toBe(false);
});

test("an XLSX template downloads, uploads, and its errors export neutralised", async ({ page }) => {
  await openGlobexImport(page);
  const dialog = page.getByRole("dialog");
  const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("button", { name: "XLSX", exact: true }).click()]);
  const xlsx = readFileSync(await download.path());
  await dialog.getByLabel(/Or choose a file/).setInputFiles({
    name: "people.xlsx",
    mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    buffer: xlsx,
  });
  await expect(dialog.getByText("1 row", { exact: true })).toBeVisible();
  // The template's phone was typed with Excel's apostrophe and stays a valid phone.
  await expect(dialog.getByRole("gridcell", { name: /\+1 888 667 8888/ })).toHaveAttribute("aria-invalid", "false");

  await dialog.getByRole("button", { name: "Start over" }).click();
  // Values render as text, never as HTML.
  let alerted = false;
  page.on("dialog", async (d) => { alerted = true; await d.dismiss(); });
  await paste(page, "First Name\tLast Name\tEmail\n=HYPERLINK(\"http://evil\")\tX\tx@globex.example\n<img src=x onerror=alert(1)>\tY\ty@globex.example\n");
  await expect(dialog.getByText("2 with problems")).toBeVisible();
  await expect(dialog.getByRole("gridcell", { name: /<img src=x onerror=alert\(1\)>/ })).toBeVisible();
  expect(alerted).toBe(false);
  const [errors] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("button", { name: "Download errors" }).click()]);
  const csv = readFileSync(await errors.path(), "utf8");
  expect(csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
  expect(csv).not.toMatch(/(^|,)"=HYPERLINK/m);
});
