import { test, expect } from "@playwright/test";
import { signIn, waitForHydration } from "./helpers";

// A technician whose "Sign-in security" is Email code: after the password, no session until
// the code emailed to them (read here from the local mailbox in the admin's browser) is
// entered; a wrong code is refused on the page. Registration itself asks for an emailed code
// and a phone number.
test("a technician with Email code signs in with the code from the mailbox", async ({ page, browser }) => {
  test.setTimeout(60_000);
  const email = `cody.${Date.now()}@example.com`;
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Kind of user").selectOption({ label: "Technician" });
  await page.getByLabel("First name").fill("Cody");
  await page.getByLabel("Last name").fill("Zzcode");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("System Administrator").check();
  await page.getByLabel("Sign-in security").selectOption({ label: "Email code" });
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("status").first()).toContainText("User added.");

  await page.goto("/admin/mailbox");
  const invitation = page.getByRole("article", { name: `Email to ${email}` }).filter({ hasText: "invited you" });
  const link = await invitation.getByRole("link", { name: /\/invite\// }).getAttribute("href");
  const technician = await (await browser.newContext()).newPage();
  await technician.goto(link!);
  // Registration asks for a code emailed on request, and for the phone Cody has not got.
  await expect(technician.getByRole("heading", { name: "Confirm your email" })).toBeVisible();
  await waitForHydration(technician);
  await technician.getByLabel("Password").fill("cody has a long password");
  await technician.getByLabel("Phone (optional)").fill("888 667 8888");
  await expect(technician.getByText("Start the number with + and its country code")).toBeVisible();
  await technician.getByLabel("Phone (optional)").fill("'+1 888 667 8888");
  await technician.getByRole("button", { name: "Email me a code" }).click();
  await expect(technician.getByRole("status").filter({ hasText: "A code is on its way to c•••@example.com" })).toBeVisible();
  await page.goto("/admin/mailbox");
  const registrationMail = page.getByRole("article", { name: `Email to ${email}` }).filter({ hasText: "Your registration code" });
  const registrationCode = ((await registrationMail.first().textContent()) ?? "").match(/registration code is (\d{6})/)![1];
  await technician.getByLabel("Code from the email").fill(registrationCode === "000000" ? "111111" : "000000");
  await technician.getByRole("button", { name: "Set password" }).click();
  await expect(technician.getByRole("alert")).toContainText("That code is not right");
  // The wrong code's answer kept what was typed.
  await expect(technician.getByLabel("Phone (optional)")).toHaveValue("'+1 888 667 8888");
  await technician.getByLabel("Code from the email").fill(registrationCode);
  await technician.getByRole("button", { name: "Set password" }).click();
  await expect(technician.getByRole("heading", { name: "You are registered" })).toBeVisible();
  await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
  await page.getByRole("link", { name: "Cody Zzcode" }).click();
  await expect(page.getByLabel("Phone")).toHaveValue("+1 888-667-8888");

  await technician.goto("/login?next=%2Fadmin%2Forganizations");
  await technician.getByLabel("Email").fill(email);
  await technician.getByLabel("Password").fill("cody has a long password");
  await technician.getByRole("button", { name: "Sign in" }).click();
  await expect(technician).toHaveURL(/\/login\/code\?next=%2Fadmin%2Forganizations$/);
  await expect(technician.getByText(/We emailed a 6-digit code to c•••@example\.com/)).toBeVisible();
  // Half-way, no admin page opens.
  const before = await technician.context().cookies();
  expect(before.some((c) => c.name === "session")).toBe(false);

  await page.goto("/admin/mailbox");
  const codeMail = page.getByRole("article", { name: `Email to ${email}` }).filter({ hasText: "Your sign-in code" });
  const text = (await codeMail.first().textContent()) ?? "";
  const code = text.match(/sign-in code is (\d{6})/)![1];

  await waitForHydration(technician);
  const wrong = code === "000000" ? "111111" : "000000";
  await technician.getByLabel("Code").fill(wrong);
  await technician.getByRole("button", { name: "Sign in" }).click();
  await expect(technician.getByRole("alert")).toContainText("That code is not right");
  await technician.getByLabel("Code").fill(code);
  await technician.getByRole("button", { name: "Sign in" }).click();
  await expect(technician).toHaveURL(/\/admin\/organizations$/);
  await expect(technician.getByRole("heading", { name: "Organizations" })).toBeVisible();
});
