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

  // The dashboard is open on the admin's screen while the invitee accepts.
  await page.goto("/admin/invitations?q=ines.invite");
  await waitForHydration(page);
  const row = page.getByRole("row", { name: /ines\.invite@example\.com/ });
  await expect(row).toContainText("Pending");
  await expect(row).toContainText(/2[34] h( \d+ min)? left/);

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

  // No reload: the dashboard polls and shows the acceptance.
  await expect(row).toContainText("Registered", { timeout: 15_000 });
  await page.goto("/admin/users");
  await expect(page.getByRole("row", { name: /ines\.invite@example\.com/ })).toContainText("Registered");
});

test("bulk Send invite from the dashboard emails each selected user; a revoked link says to ask for a new one", async ({ page, browser }) => {
  await signIn(page, "/admin/invitations?status=not_invited&q=globex.example");
  await waitForHydration(page);
  const rows = page.getByRole("row", { name: /globex\.example/ });
  // The list may still be loading (earlier tests leave 100,000 more users behind).
  await expect(rows.first()).toBeVisible();
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  await expect(rows.first()).toContainText("Not invited");
  await page.getByLabel("Select all on this page").check();
  await expect(page.getByText(`${count} selected`)).toBeVisible();
  await page.getByRole("button", { name: "Resend invitation" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Sent" })).toContainText(
    count === 1 ? "Sent 1 invitation." : `Sent ${count} invitations.`,
  );
  // They are no longer Not invited, so the filtered list empties.
  await expect(page.getByText("No users match these filters.")).toBeVisible();

  await page.goto("/admin/invitations?q=sean.oneil%40globex.example");
  const sean = page.getByRole("row", { name: /sean\.oneil@globex\.example/ });
  await expect(sean).toContainText("Pending");
  // The counts include the new invitations, and the Pending card links to them.
  await expect(page.getByRole("link", { name: /Pending/ }).first()).toBeVisible();

  await page.goto("/admin/mailbox");
  const mail = page.getByRole("article", { name: "Email to sean.oneil@globex.example" });
  await expect(mail).toContainText("has invited you", { timeout: 15_000 });
  const link = await mail.getByRole("link", { name: /\/invite\// }).first().getAttribute("href");

  // Revoke from the row menu; the link stops working.
  await page.goto("/admin/invitations?q=sean.oneil%40globex.example");
  await waitForHydration(page);
  await page.getByLabel("Actions for Sean O'Neil").click();
  await sean.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Revoked" })).toContainText("Revoked 1 invitation.");
  await expect(sean).toContainText("Not invited");

  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link!);
  await expect(invitee.getByText("This invitation has expired — ask your administrator to send a new one.")).toBeVisible();
});

test("every status card's label is readable on its card, Send failed included", async ({ page }) => {
  await signIn(page, "/admin/invitations");
  const cards = page.locator(".status-counts .count-card a");
  await expect(cards.filter({ hasText: "Send failed" })).toHaveCount(1);
  // WCAG contrast of the label's colour against the card's own background.
  const contrasts = await cards.evaluateAll((links) => {
    const rgb = (css: string) => css.match(/[\d.]+/g)!.slice(0, 3).map(Number);
    const luminance = (css: string) => {
      const [r, g, b] = rgb(css).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return links.map((link) => {
      const label = link.querySelector(".label")!;
      const fg = luminance(getComputedStyle(label).color);
      const bg = luminance(getComputedStyle(link).backgroundColor);
      return { label: label.textContent, ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) };
    });
  });
  for (const { label, ratio } of contrasts) {
    expect(ratio, `${label}: contrast ${ratio.toFixed(2)}`).toBeGreaterThanOrEqual(4.5);
  }
});
