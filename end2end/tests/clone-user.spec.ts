import { test, expect } from "@playwright/test";
import { signIn, waitForHydration, ADMIN_EMAIL, ADMIN_PASSWORD } from "./helpers";

test("clone needs exactly one selected user and says why otherwise", async ({ page }) => {
  await signIn(page);
  await waitForHydration(page);
  await page.getByText("Actions", { exact: true }).click();
  const clone = page.getByRole("button", { name: "Clone user" });
  await expect(clone).toBeDisabled();
  await expect(page.getByText("Select one user to clone.")).toBeVisible();
  await page.getByRole("checkbox", { name: "Select Maria García" }).check();
  await page.getByRole("checkbox", { name: "Select John Smith" }).check();
  await expect(clone).toBeDisabled();
  await expect(page.getByText("Select only one user to clone.")).toBeVisible();
  await page.getByRole("checkbox", { name: "Select John Smith" }).uncheck();
  await expect(clone).toBeEnabled();
});

test("an administrator clones a user, fixing a bad email first", async ({ page }) => {
  await signIn(page);
  await waitForHydration(page);
  await page.getByRole("checkbox", { name: "Select Maria García" }).check();
  await page.getByText("Actions", { exact: true }).click();
  await page.getByRole("button", { name: "Clone user" }).click();

  await expect(page.getByRole("heading", { name: "Copied from Maria García" })).toBeVisible();
  await expect(page.getByLabel("Organization")).toHaveValue(/\d+/);
  await expect(page.getByRole("checkbox", { name: "Requester (default)" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "VIP Requester" })).not.toBeChecked();
  await waitForHydration(page);

  await page.getByLabel("First name").fill("Nina");
  await page.getByLabel("Last name").fill("Novak");
  const email = page.getByLabel("Email", { exact: true });
  await email.fill("nina@@acme.example");
  await expect(page.getByText("Enter an email like name@example.com.")).toBeVisible();
  // An email that is already taken is caught by the server while typing.
  await email.fill("maria.garcia@acme.example");
  await expect(page.getByText("This email is already used by another account.")).toBeVisible();
  await email.fill("nina.novak@acme.example");
  await expect(page.getByText("This email is already used by another account.")).toHaveCount(0);
  await page.getByRole("button", { name: "Save" }).click();

  await expect(page.getByRole("status")).toContainText("settings of Maria García");
  await expect(page.getByRole("heading", { name: "Nina Novak" })).toBeVisible();
  await page.goto("/admin/users?page=0");
  const row = page.getByRole("row", { name: /nina\.novak@acme\.example/ });
  await expect(row).toContainText("Acme Corporation");
  await expect(row).toContainText("Requester");
  await expect(row).toContainText("Pending");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the clone form still saves as a plain form", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(ADMIN_EMAIL);
    await page.getByLabel("Password").fill(ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/admin\/users$/);
    await page.getByRole("row", { name: /John Smith/ }).getByText("⋯").click();
    await page.getByRole("row", { name: /John Smith/ }).getByRole("link", { name: "Clone user" }).click();
    await expect(page.getByRole("heading", { name: "Copied from John Smith" })).toBeVisible();
    await page.getByLabel("First name").fill("Otto");
    await page.getByLabel("Last name").fill("Offline");
    await page.getByLabel("Email", { exact: true }).fill("otto.offline@acme.example");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/\/admin\/users\/\d+\?cloned_from=\d+$/);
    await expect(page.getByRole("heading", { name: "Otto Offline" })).toBeVisible();
  });
});
