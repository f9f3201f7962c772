import { test, expect } from "@playwright/test";
import { createHmac } from "crypto";
import { signIn, waitForHydration } from "./helpers";

// RFC 6238 as an authenticator app computes it: the key shown at setup (base32), 30 s steps,
// HMAC-SHA-1, 6 digits.
function fromBase32(text: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of text.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
function totp(key: string, atSeconds: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(atSeconds / 30)));
  const mac = createHmac("sha1", fromBase32(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

// An invited technician whose "Sign-in security" is Authenticator app: sets it up while
// accepting (the test is the app: it computes the code from the key shown), keeps the
// recovery codes, then signs in with a code from the app, and again with a recovery code;
// then the admin resets it.
test("a technician with Authenticator app sets it up at registration and signs in with a code, then a recovery code", async ({ page, browser }) => {
  test.setTimeout(60_000);
  const email = `otto.${Date.now()}@example.com`;
  const password = "otto has a long password";
  await signIn(page, "/admin/users/new");
  await waitForHydration(page);
  await page.getByLabel("Kind of user").selectOption({ label: "Technician" });
  await page.getByLabel("First name").fill("Otto");
  await page.getByLabel("Last name").fill("Zzapp");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("System Administrator").check();
  await page.getByLabel("Sign-in security").selectOption({ label: "Authenticator app" });
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("status").first()).toContainText("User added.");
  await page.goto("/admin/mailbox");
  const link = await page
    .getByRole("article", { name: `Email to ${email}` })
    .getByRole("link", { name: /\/invite\// })
    .getAttribute("href");

  const context = await browser.newContext();
  const otto = await context.newPage();
  await otto.goto(link!);
  await expect(otto.getByRole("group", { name: "Set up your authenticator app" })).toBeVisible();
  await expect(otto.getByRole("img", { name: /QR code for your authenticator app/ })).toBeVisible();
  const key = ((await otto.locator(".totp-secret").textContent()) ?? "").trim();
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  await waitForHydration(otto);
  await otto.getByLabel("Password").fill(password);
  await otto.getByLabel("Code from the app").fill("000000" === totp(key, Date.now() / 1000) ? "111111" : "000000");
  await otto.getByRole("button", { name: "Set password" }).click();
  await expect(otto.getByRole("alert")).toContainText("not right");
  await otto.getByLabel("Code from the app").fill(totp(key, Date.now() / 1000));
  await otto.getByRole("button", { name: "Set password" }).click();
  await expect(otto.getByRole("heading", { name: "You are registered" })).toBeVisible();
  const codes = await otto.locator(".recovery-codes li").allTextContents();
  expect(codes).toHaveLength(10);
  expect(codes[0]).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  await expect(otto.getByRole("link", { name: "Download" })).toHaveAttribute("download", "recovery-codes.txt");

  const signInWith = async (code: string) => {
    await context.clearCookies();
    await otto.goto("/login?next=%2Fadmin%2Forganizations");
    await otto.getByLabel("Email").fill(email);
    await otto.getByLabel("Password").fill(password);
    await otto.getByRole("button", { name: "Sign in" }).click();
    await expect(otto).toHaveURL(/\/login\/code/);
    await expect(otto.getByText(/code your authenticator app shows/)).toBeVisible();
    await otto.getByLabel("Code").fill(code);
    await otto.getByRole("button", { name: "Sign in" }).click();
  };
  // The next step's code: the current one was spent by the registration.
  await signInWith(totp(key, Date.now() / 1000 + 30));
  await expect(otto).toHaveURL(/\/admin\/organizations$/);
  await expect(otto.getByRole("heading", { name: "Organizations" })).toBeVisible();

  await signInWith(codes[0]);
  await expect(otto).toHaveURL(/\/admin\/organizations$/);

  // A lost phone: the admin resets Otto's authenticator, asking once more first; Otto is
  // signed out everywhere, and signs in with an emailed code until he sets one up again.
  await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
  await page.getByRole("link", { name: "Otto Zzapp" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Reset authenticator" }).click();
  await page.getByRole("button", { name: "Reset it" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Authenticator reset" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Reset authenticator" })).toHaveCount(0);
  await otto.goto("/admin/organizations");
  await expect(otto).toHaveURL(/\/login/);
  await otto.getByLabel("Email").fill(email);
  await otto.getByLabel("Password").fill(password);
  await otto.getByRole("button", { name: "Sign in" }).click();
  await expect(otto.getByText(/We emailed a 6-digit code/)).toBeVisible();

  // The emailed code signs him in to My profile, which asks him to set up a new app.
  await page.goto("/admin/mailbox");
  const codeMail = page.getByRole("article", { name: `Email to ${email}` }).filter({ hasText: "Your sign-in code" });
  const emailed = ((await codeMail.first().textContent()) ?? "").match(/sign-in code is (\d{6})/)![1];
  await otto.getByLabel("Code").fill(emailed);
  await otto.getByRole("button", { name: "Sign in" }).click();
  await expect(otto).toHaveURL(/\/profile$/);
  await expect(otto.getByRole("heading", { name: "My profile" })).toBeVisible();
  await expect(otto.getByText(/asks for an authenticator app when you sign in\. Set one up below/)).toBeVisible();
  await waitForHydration(otto);
  await otto.getByRole("button", { name: "Set up an authenticator app" }).click();
  const setup = otto.getByRole("group", { name: "Set up an authenticator app" });
  await expect(setup.getByRole("img", { name: /QR code/ })).toBeVisible();
  const newKey = ((await setup.locator(".totp-secret").textContent()) ?? "").trim();
  expect(newKey).not.toBe(key);
  await setup.getByLabel("Code from the app").fill(totp(newKey, Date.now() / 1000));
  await setup.getByLabel("Current password").fill("not his password");
  await otto.getByRole("button", { name: "Confirm" }).click();
  await expect(otto.getByRole("alert").filter({ hasText: "current password is not right" })).toBeVisible();
  await setup.getByLabel("Current password").fill(password);
  await otto.getByRole("button", { name: "Confirm" }).click();
  await expect(otto.getByText("Your authenticator app is set up.")).toBeVisible();
  await expect(otto.locator(".recovery-codes li")).toHaveCount(10);
  await expect(otto.getByRole("table", { name: "Your sessions" }).getByText("This session")).toBeVisible();

  // He changes his password: the new one signs him in, with a code from the new app.
  const newPassword = "otto's even longer password";
  const change = otto.getByRole("group", { name: "Change your password" });
  await change.getByLabel("Current password").fill(password);
  await change.getByLabel("New password").fill(newPassword);
  await otto.getByRole("button", { name: "Change password" }).click();
  await expect(otto.getByText("Your password is changed.")).toBeVisible();
  await context.clearCookies();
  await otto.goto("/login?next=%2Fadmin%2Forganizations");
  await otto.getByLabel("Email").fill(email);
  await otto.getByLabel("Password").fill(newPassword);
  await otto.getByRole("button", { name: "Sign in" }).click();
  await expect(otto.getByText(/code your authenticator app shows/)).toBeVisible();
  await otto.getByLabel("Code").fill(totp(newKey, Date.now() / 1000 + 30));
  await otto.getByRole("button", { name: "Sign in" }).click();
  await expect(otto).toHaveURL(/\/admin\/organizations$/);

  // On My profile he ends the session he left behind and makes new recovery codes; one of
  // them signs him in.
  await otto.goto("/profile");
  await waitForHydration(otto);
  const sessions = otto.getByRole("table", { name: "Your sessions" });
  await expect(sessions.getByText("This session")).toBeVisible();
  await expect(sessions.getByRole("button", { name: /^End the session of/ })).toHaveCount(1);
  await sessions.getByRole("button", { name: /^End the session of/ }).click();
  await expect(otto.getByRole("status").filter({ hasText: "Ended 1 session." })).toBeVisible();
  await expect(sessions.getByRole("button", { name: /^End the session of/ })).toHaveCount(0);
  await expect(otto.getByText("10 of 10 unused when this page opened.")).toBeVisible();
  const regenerate = otto.getByRole("group", { name: "Make new recovery codes" });
  await regenerate.getByLabel("Current password").fill(newPassword);
  await otto.getByRole("button", { name: "Make new recovery codes" }).click();
  await expect(otto.locator(".recovery-codes li")).toHaveCount(10);
  const newCodes = await otto.locator(".recovery-codes li").allTextContents();
  await context.clearCookies();
  await otto.goto("/login?next=%2Fadmin%2Forganizations");
  await otto.getByLabel("Email").fill(email);
  await otto.getByLabel("Password").fill(newPassword);
  await otto.getByRole("button", { name: "Sign in" }).click();
  await otto.getByLabel("Code").fill(newCodes[0]);
  await otto.getByRole("button", { name: "Sign in" }).click();
  await expect(otto).toHaveURL(/\/admin\/organizations$/);
  await context.close();
});
