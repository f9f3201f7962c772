import { test, expect, request as playwrightRequest, APIRequestContext } from "@playwright/test";
import { spawn, execFileSync, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// A server of its own (not the shared test server): it is killed with SIGKILL in the middle of
// an import's write, as a crash or an OOM kill would, then started again on the same database.
const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, "target"), "release", "server");
const PORT = 3300;
const BASE = `http://127.0.0.1:${PORT}`;
const ROWS = 60_000;
const PASSWORD = "restart-admin-password-123";

function serverEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/restart.db`,
    PUBLIC_BASE_URL: BASE,
    LEPTOS_OUTPUT_NAME: "bulk-import",
    LEPTOS_SITE_ROOT: path.join(ROOT, "target", "site"),
    LEPTOS_SITE_PKG_DIR: "pkg",
    LEPTOS_HASH_FILES: "true",
    LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
    LEPTOS_RELOAD_PORT: String(PORT + 1),
    LEPTOS_ENV: "PROD",
    IMPORT_JOB_STALE_SECONDS: "3",
    RUST_LOG: "warn",
  };
}

async function started(dir: string): Promise<ChildProcess> {
  const server = spawn(BIN, [], { env: serverEnv(dir), stdio: "ignore" });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${BASE}/health`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the server did not start");
}

async function signedIn(): Promise<APIRequestContext> {
  const api = await playwrightRequest.newContext({ baseURL: BASE });
  const signIn = await api.post("/api/sign_in", { form: { email: "admin@example.com", password: PASSWORD } });
  expect(signIn.status()).toBeLessThan(400);
  return api;
}

async function progress(api: APIRequestContext, id: number) {
  const answer = await api.post("/api/import_progress", { form: { id: String(id) } });
  expect(answer.status()).toBe(200);
  return answer.json();
}

async function usersMatching(api: APIRequestContext, q: string): Promise<number> {
  const answer = await api.post("/api/list_users", { form: { "filter[search]": q, "filter[page]": "0" } });
  expect(answer.status()).toBe(200);
  return (await answer.json()).total;
}

test("a server killed (SIGKILL) while an import writes leaves no user from it; after restart the job is Interrupted and Run again imports it", async () => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(path.join(tmpdir(), "bulk-import-restart-"));
  const env = { env: serverEnv(dir) };
  execFileSync(BIN, ["create-admin", "--email", "admin@example.com", "--first-name", "Ada", "--last-name", "Admin"], {
    env: { ...serverEnv(dir), ADMIN_PASSWORD: PASSWORD },
  });
  execFileSync(BIN, ["demo-data"], env);
  let server = await started(dir);
  try {
    let api = await signedIn();
    const organizations = await (await api.post("/api/list_organizations", { form: {} })).json();
    const globex = organizations.find((o: { name: string }) => o.name === "Globex");
    const lines = Array.from({ length: ROWS }, (_, i) => `Kill,Nine,restart.${i}@globex.example,+1 888 667 8888,Requester`);
    const source = Buffer.from(`First name,Last name,Email,Phone,Roles\n${lines.join("\n")}\n`);
    const upload = {
      kind: "EndUser", organization_id: globex.id, source_name: "restart.csv", pasted: false, sheet: null,
      source_rows: ROWS + 1, edits: { removed: [], cells: [] }, mapping: { header: "Detect", fields: null },
      options: { mode: "CreateOnly", invalid_rows: "FailImport", send_invitations: true }, idempotency_key: `restart-${Date.now()}`,
    };
    const queued = await api.post("/api/import-uploads", {
      multipart: {
        request: { name: "request", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(upload)) },
        source: { name: "source", mimeType: "text/csv", buffer: source },
      },
    });
    expect(queued.status()).toBe(202);
    const { jobId } = await queued.json();

    // Wait for the write phase, then kill the server outright.
    await expect.poll(async () => (await progress(api, jobId)).phase, { timeout: 60_000, intervals: [50] }).toBe("Writing");
    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));

    server = await started(dir);
    api = await signedIn();
    await expect.poll(async () => (await progress(api, jobId)).status, { timeout: 30_000 }).toBe("Interrupted");
    expect(await usersMatching(api, "restart.")).toBe(0);

    const again = await api.post("/api/run_import_again", { form: { id: String(jobId) } });
    expect(again.status()).toBe(200);
    await expect.poll(async () => (await progress(api, jobId)).status, { timeout: 120_000 }).toBe("Completed");
    expect(await usersMatching(api, "restart.")).toBe(ROWS);
  } finally {
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
