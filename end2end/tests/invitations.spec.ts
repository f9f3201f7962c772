import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

test("a new technician follows the emailed link from the local mailbox and sets a password", async ({ page, browser }) => {
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Kind of user").selectOption({ label: "Technician" });
  await page.getByLabel("First name").fill("Ines");
  await page.getByLabel("Last name").fill("Invite");
  await page.getByLabel("Email", { exact: true }).fill("ines.invite@example.com");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("status").first()).toContainText("User added.");

  await page.getByRole("link", { name: "Mailbox" }).click();
  const mail = page.getByRole("article", { name: "Email to ines.invite@example.com" });
  await expect(mail).toContainText("Ada Admin has invited you");
  const link = await mail.getByRole("link", { name: /\/invite\// }).getAttribute("href");
  expect(link).toBeTruthy();

  // The invitee, in their own browser.
  const invitee = await (await browser.newContext()).newPage();
  const response = await invitee.goto(link!);
  expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
  expect(response?.headers()["cache-control"]).toBe("no-store");
  await expect(invitee.getByRole("heading", { name: "Welcome, Ines Invite" })).toBeVisible();
  await invitee.getByLabel("Password").fill("ines has a long password");
  await invitee.getByRole("button", { name: "Set password" }).click();
  await expect(invitee.getByRole("heading", { name: "You are registered" })).toBeVisible();

  // The link is spent.
  await invitee.goto(link!);
  await expect(invitee.getByText("This invitation has already been used.")).toBeVisible();
  // A made-up link looks like an expired one.
  await invitee.goto("/invite/made-up-token");
  await expect(invitee.getByText("This invitation has expired — ask your administrator to send a new one.")).toBeVisible();

  await page.goto("/admin/users");
  await expect(page.getByRole("row", { name: /ines\.invite@example\.com/ })).toContainText("Registered");
});
