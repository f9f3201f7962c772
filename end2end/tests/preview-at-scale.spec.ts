import { test, expect, Page } from "@playwright/test";
import { appScriptUrl, openGlobexImport } from "./helpers";

// The import preview at scale, as the admin feels it: paste the engine benchmark's sample
// (8 columns, about a sixth of the rows with a problem) into the modal, then edit cells. Prints
// paste → first rows, paste → counters final, the median edit → counters updated, the longest
// main-thread task, and the tab's JS heap and wasm memory. Then the same sample as a workbook.
const ROWS = Number(process.env.PREVIEW_BENCH_ROWS ?? 500_000);
// The workbook is smaller by default: its XML is about seven times the pasted text.
const XLSX_ROWS = Number(process.env.PREVIEW_XLSX_BENCH_ROWS ?? 100_000);

// In the page: long tasks recorded from now on, `__until(ready)` (the time of the first frame
// where `ready()` holds) and `__phases()` (the modal's own timings, its performance measures).
async function watchThePage(page: Page) {
  await page.evaluate(() => {
    const w = window as any;
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask" });
    w.__until = (ready: () => boolean) =>
      new Promise<number>((resolve) => {
        const look = () => (ready() ? resolve(performance.now()) : requestAnimationFrame(look));
        look();
      });
    w.__phases = () =>
      performance
        .getEntriesByType("measure")
        .filter((m) => m.name.startsWith("import:"))
        .map((m) => `${m.name.slice("import: ".length)} ${m.duration.toFixed(0)} ms`)
        .join(", ");
  });
}

// The longest task from `started` to `doneAt` (loading) and after it (editing), the five
// longest while loading (timed from `started`), and the longest before `started` (the modal
// opening, with the phone plans read then).
async function longTasks(page: Page, doneAt: number, started: number) {
  return page.evaluate(([doneAt, started]) => {
    const tasks: { start: number; duration: number }[] = (window as any).__longTasks;
    const max = (list: { duration: number }[]) => Math.max(0, ...list.map((t) => t.duration));
    const loading = tasks.filter((t) => t.start >= started && t.start < doneAt);
    const worst = loading
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 5)
      .map((t) => `${t.duration.toFixed(0)} ms at ${(t.start - started).toFixed(0)} ms`)
      .join(", ");
    return {
      before: max(tasks.filter((t) => t.start < started)),
      loading: max(loading),
      editing: max(tasks.filter((t) => t.start >= doneAt)),
      worst,
    };
  }, [doneAt, started]);
}

test(`the preview of ${ROWS} pasted rows shows at once, checks in slices, and an edit updates the counters at once`, async ({ page }) => {
  test.setTimeout(300_000);
  const dialog = await openGlobexImport(page);

  // The sample is made first, in a task of its own (it is not the page's work).
  await page.evaluate(async ({ rows, js }) => {
    const engine: any = await import(js);
    (window as any).__sample = await engine.import_sample_paste(rows);
  }, { rows: ROWS, js: await appScriptUrl(page) });
  await watchThePage(page);
  const load = await page.evaluate(async () => {
    const w = window as any;
    const text: string = w.__sample;
    w.__sample = null;
    const textarea = document.getElementById("import-paste") as HTMLTextAreaElement;
    // A paste as the browser delivers it (Ctrl+V): the text on the event's clipboard data.
    const clipboard = new DataTransfer();
    clipboard.setData("text/plain", text);
    // The paste in a task of its own, after the observer is watching.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    const landed = textarea.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }));
    // A small paste is not taken by the page: the browser puts it in the box, as here.
    if (landed) {
      textarea.value = text;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    const firstRows = await w.__until(() => !!document.querySelector("table.preview tbody tr:not(.spacer) td"));
    const final = await w.__until(() => !!document.querySelector(".counters .ok"));
    return { started, firstRowsMs: firstRows - started, finalMs: final - started, doneAt: final, phases: w.__phases() };
  });

  const counters = dialog.locator(".counters");
  await expect(counters).toContainText(`${ROWS} rows`);
  const invalidAtStart = Number((await counters.locator(".bad").textContent())!.match(/\d+/)![0]);
  expect(invalidAtStart).toBeGreaterThan(ROWS / 8);
  expect(invalidAtStart).toBeLessThan(ROWS / 4);

  // 20 edits of an email cell: each makes a duplicate of the first row's email (two rows turn
  // invalid), then gives the row its own address back (both valid again).
  const edits = await page.evaluate(async () => {
    const times: number[] = [];
    const firstEmail = document.getElementById("cell-1-2")!.querySelector(".cell-value")!.textContent!;
    const edit = async (tableRow: number, value: string) => {
      document.getElementById(`cell-${tableRow}-2`)!.click();
      let input: HTMLInputElement | null = null;
      while (!(input = document.getElementById(`edit-${tableRow}-2`) as HTMLInputElement | null)) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const counters = document.querySelector(".counters")!;
      const before = counters.textContent;
      const changed = new Promise<number>((resolve) => {
        const observer = new MutationObserver(() => {
          if (counters.textContent !== before) {
            observer.disconnect();
            resolve(performance.now());
          }
        });
        observer.observe(counters, { subtree: true, characterData: true, childList: true });
      });
      const started = performance.now();
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      times.push((await changed) - started);
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
      await new Promise((r) => setTimeout(r, 30));
    };
    for (const row of [2, 3, 4, 6, 7, 8, 9, 11, 12, 13]) {
      const own = document.getElementById(`cell-${row}-2`)!.querySelector(".cell-value")!.textContent!;
      await edit(row, firstEmail);
      await edit(row, own);
    }
    return times;
  });
  const sorted = [...edits].sort((a, b) => a - b);
  const median = (sorted[9] + sorted[10]) / 2;
  await expect(counters.locator(".bad")).toContainText(`${invalidAtStart} with problems`);

  const longest = await longTasks(page, load.doneAt, load.started);
  const cdp = await page.context().newCDPSession(page);
  const heap = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number };
  const wasm = await page.evaluate(async (js) => (await import(js)).wasm_memory_bytes(), await appScriptUrl(page));
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `preview of ${ROWS} pasted rows: first rows ${load.firstRowsMs.toFixed(0)} ms, counters final ${load.finalMs.toFixed(0)} ms; ` +
      `one edit → counters ${median.toFixed(1)} ms median of 20 (max ${sorted[19].toFixed(1)}); ` +
      `longest main-thread task ${longest.loading.toFixed(0)} ms loading, ${longest.editing.toFixed(0)} ms editing; ` +
      `JS heap ${mb(heap.usedSize)} MB + wasm memory ${mb(wasm)} MB`,
  );
  console.log(
    `preview of ${ROWS} pasted rows, the modal's phases: ${load.phases}; longest tasks loading: ${longest.worst}; ` +
      `longest task before the paste: ${longest.before.toFixed(0)} ms`,
  );
  expect(edits).toHaveLength(20);
  // Issue 14's target is 50 ms; twice that fails the test (a shared machine may be slower).
  expect(median).toBeLessThan(100);

  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(dialog).toHaveCount(0);
});

test(`a workbook of ${XLSX_ROWS} rows is read and checked in parts: the page keeps answering`, async ({ page }) => {
  test.setTimeout(300_000);
  const dialog = await openGlobexImport(page);
  await page.evaluate(async ({ rows, js }) => {
    const engine: any = await import(js);
    (window as any).__workbook = await engine.import_sample_xlsx(rows);
  }, { rows: XLSX_ROWS, js: await appScriptUrl(page) });
  await watchThePage(page);
  const load = await page.evaluate(async () => {
    const w = window as any;
    const files = new DataTransfer();
    files.items.add(new File([w.__workbook], "people.xlsx", { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }));
    w.__workbook = null;
    const input = document.getElementById("import-file") as HTMLInputElement;
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Chosen as from the file dialog.
    const started = performance.now();
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    // The rows counted so far ("Reading… N rows"), or the rows themselves when a small
    // workbook needs no part of its own.
    const reading = await w.__until(
      () => /Reading… [1-9]/.test(document.querySelector(".reading")?.textContent ?? "") || !!document.querySelector("table.preview tbody tr:not(.spacer) td"),
    );
    const firstRows = await w.__until(() => !!document.querySelector("table.preview tbody tr:not(.spacer) td"));
    const final = await w.__until(() => !!document.querySelector(".counters .ok"));
    return { started, readingMs: reading - started, firstRowsMs: firstRows - started, finalMs: final - started, doneAt: final, phases: w.__phases() };
  });
  await expect(dialog.locator(".counters")).toContainText(`${XLSX_ROWS} rows`);
  const longest = await longTasks(page, load.doneAt, load.started);
  console.log(
    `preview of a ${XLSX_ROWS}-row workbook: rows counted ("Reading… N rows") after ${load.readingMs.toFixed(0)} ms, first rows ${load.firstRowsMs.toFixed(0)} ms, ` +
      `counters final ${load.finalMs.toFixed(0)} ms; longest main-thread task ${longest.loading.toFixed(0)} ms (${longest.worst}); phases: ${load.phases}`,
  );
  // Read at once, the cells alone held the page for most of a second at 100,000 rows.
  expect(longest.loading).toBeLessThan(400);
});
