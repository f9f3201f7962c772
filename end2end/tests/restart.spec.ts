import { test, expect, request as playwrightRequest, APIRequestContext } from "@playwright/test";
import { ownServer } from "./helpers";

// A server of its own (not the shared test server): it is killed with SIGKILL in the middle of
// an import's write, as a crash or an OOM kill would, then started again on the same database.
const PORT = 3300;
const BASE = `http://127.0.0.1:${PORT}`;
const ROWS = 60_000;
const PASSWORD = "restart-admin-password-123";

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
  const own = ownServer(PORT, { IMPORT_JOB_STALE_SECONDS: "3" });
  own.setUp(PASSWORD);
  let server = await own.start();
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

    server = await own.start();
    api = await signedIn();
    await expect.poll(async () => (await progress(api, jobId)).status, { timeout: 30_000 }).toBe("Interrupted");
    expect(await usersMatching(api, "restart.")).toBe(0);

    const again = await api.post("/api/run_import_again", { form: { id: String(jobId) } });
    expect(again.status()).toBe(200);
    await expect.poll(async () => (await progress(api, jobId)).status, { timeout: 120_000 }).toBe("Completed");
    expect(await usersMatching(api, "restart.")).toBe(ROWS);
  } finally {
    server.kill("SIGKILL");
    own.remove();
  }
});
