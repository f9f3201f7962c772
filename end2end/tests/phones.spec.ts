import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test("the import preview judges phones as libphonenumber does: one digit too many is refused, a written national prefix is fine", async ({ page }) => {
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  const dialog = page.getByRole("dialog", { name: "Import end users" });
  await page.getByLabel("Paste from Excel or Google Sheets").fill(
    "Lin\tWei\tlin.wei@globex.example\t+86 10 1234 5678\n" +
      "Lin\tLong\tlin.long@globex.example\t+8610123456789\n" +
      "Ada\tPrefix\tada.prefix@globex.example\t+44 (0)20 7946 0958\n",
  );
  await page.getByRole("button", { name: "Preview" }).click();
  await expect(dialog.getByText("1 with problems")).toBeVisible();
  const tooLong = dialog.getByRole("gridcell", { name: /\+8610123456789/ });
  await expect(tooLong).toHaveAttribute("aria-invalid", "true");
  await expect(tooLong).toContainText("This is not a valid phone number for its country.");
  await expect(dialog.getByRole("gridcell", { name: /\+86 10 1234 5678/ })).toHaveAttribute("aria-invalid", "false");
  await expect(dialog.getByRole("gridcell", { name: /\+44 \(0\)20 7946 0958/ })).toHaveAttribute("aria-invalid", "false");
});
