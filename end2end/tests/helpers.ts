import { expect, Page } from "@playwright/test";
import { spawn, execFileSync, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// Created by scripts/e2e-server.sh on a fresh database.
export const ADMIN_EMAIL = "admin@example.com";
export const ADMIN_PASSWORD = "e2e-admin-password-123";

export async function signIn(page: Page, next = "/admin/users") {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(ADMIN_EMAIL);
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[?]/g, "\\?")}$`));
}

/** Waits until the wasm has taken over the server-rendered page. */
export async function waitForHydration(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Signs in, opens Globex's page and its Import users modal; returns the dialog once the
 * importer is there. */
export async function openGlobexImport(page: Page) {
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  const dialog = page.getByRole("dialog", { name: "Import end users" });
  await expect(dialog.getByLabel("Paste from Excel or Google Sheets")).toBeVisible();
  // The importer's own first step (its chunk has arrived), not the early paste box.
  await expect(dialog.getByText(/^Up to [\d,]+ rows/)).toBeVisible();
  return dialog;
}

/** The URL of the page's app module (its name carries a hash), for tests that call its
 * exports: `await import(url)` inside `page.evaluate`. */
export async function appScriptUrl(page: Page): Promise<string> {
  return page.evaluate(() => (document.querySelector('link[rel="modulepreload"][href*="/pkg/"]') as HTMLLinkElement).href);
}

/** A server of its own, not the shared test server (for a test that kills it, or needs other
 * limits): the release build on a fresh SQLite database in a temporary folder, listening on
 * `port`, with `extra` in its environment. */
export function ownServer(port: number, extra: NodeJS.ProcessEnv = {}) {
  const root = path.resolve(__dirname, "../..");
  const bin = path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, "target"), "release", "server");
  const dir = mkdtempSync(path.join(tmpdir(), `bulk-import-${port}-`));
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/app.db`,
    PUBLIC_BASE_URL: base,
    LEPTOS_OUTPUT_NAME: "bulk-import",
    LEPTOS_SITE_ROOT: path.join(root, "target", "site"),
    LEPTOS_SITE_PKG_DIR: "pkg",
    LEPTOS_HASH_FILES: "true",
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_RELOAD_PORT: String(port + 1),
    LEPTOS_ENV: "PROD",
    RUST_LOG: "warn",
    ...extra,
  };
  return {
    base,
    /** One administrator (admin@example.com) with this password, and the demo data. */
    setUp(password: string) {
      execFileSync(bin, ["create-admin", "--email", "admin@example.com", "--first-name", "Ada", "--last-name", "Admin"], {
        env: { ...env, ADMIN_PASSWORD: password },
      });
      execFileSync(bin, ["demo-data"], { env });
    },
    /** Starts the server (again, on the same database) and waits until it answers. */
    async start(): Promise<ChildProcess> {
      const server = spawn(bin, [], { env, stdio: "ignore" });
      for (let i = 0; i < 300; i++) {
        try {
          if ((await fetch(`${base}/health`)).ok) return server;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("the server did not start");
    },
    /** Removes its database. */
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
