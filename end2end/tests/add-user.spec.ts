import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test("fields are checked as you type, before anything is sent", async ({ page }) => {
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  const email = page.getByLabel("Email", { exact: true });
  await email.fill("maria@");
  // Only the hydrated wasm shows this: nothing was submitted to the server.
  await expect(page.getByText("Enter an email like name@example.com.")).toBeVisible();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await email.fill("maria.new@example.com");
  await expect(page.getByText("Enter an email like name@example.com.")).toHaveCount(0);
  await page.getByLabel("First name").fill("J0hn");
  await expect(page.getByText("Use letters only")).toBeVisible();
});

test("an administrator adds an end user and finds them in All users", async ({ page }) => {
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Kind of user").selectOption({ label: "End user" });
  await page.getByLabel("First name").fill("Zoë");
  await page.getByLabel("Last name").fill("Zimmermann");
  await page.getByLabel("Email", { exact: true }).fill("zoe.zimmermann@example.com");
  await page.getByLabel("Phone").fill("'+1 888 667 8888");
  await page.getByLabel("Organization").selectOption({ label: "Globex" });
  // The default end-user role is preselected, visibly.
  await expect(page.getByRole("checkbox", { name: /Requester \(default\)/ })).toBeChecked();
  await page.getByRole("button", { name: "Add user" }).click();

  await expect(page.getByRole("status")).toContainText("User added.");
  await expect(page.getByRole("heading", { name: "Zoë Zimmermann" })).toBeVisible();
  await expect(page.getByLabel("Phone")).toHaveValue("+1 888-667-8888");

  await page.getByRole("link", { name: "All users" }).first().click();
  const row = page.getByRole("row", { name: /zoe\.zimmermann@example\.com/ });
  await expect(row).toContainText("Globex");
  await expect(row).toContainText("Requester");
  await expect(row).toContainText("Pending");
});

test("a taken email is reported beside the field by the server", async ({ page }) => {
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Kind of user").selectOption({ label: "Technician" });
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Again");
  await page.getByLabel("Email", { exact: true }).fill("ADMIN@example.com");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByText("This email is already used by another account.")).toBeVisible();
  await expect(page).toHaveURL(/\/admin\/users\/new$/);
});
