import { test, expect, Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";
import { signIn, waitForHydration } from "./helpers";

// Files as spreadsheet programs really write them: LibreOffice and streaming zip writers
// (Java's ZipOutputStream) put each entry's sizes in a data descriptor after its data.

async function openGlobexImport(page: Page) {
  await signIn(page, "/admin/organizations");
  await page.getByRole("link", { name: "Globex" }).click();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Import users" }).click();
  await expect(page.getByRole("dialog", { name: "Import end users" })).toBeVisible();
}

async function upload(page: Page, name: string, buffer: Buffer) {
  await page.getByRole("dialog").getByLabel(/Or choose a file/).setInputFiles({
    name,
    mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    buffer,
  });
}

const DATA_DESCRIPTOR_FLAG = 0x0008;
const UTF8_FLAG = 0x0800;

/** A zip written the way a streaming writer writes it: local headers without sizes, general
 * purpose flag bit 3 set, a data descriptor after each entry's deflated data. */
function streamedZip(parts: [string, string][]): Buffer {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, body] of parts) {
    const data = Buffer.from(body, "utf8");
    const packed = deflateRawSync(data);
    const crc = crc32(data) >>> 0;
    const nameBytes = Buffer.from(name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(DATA_DESCRIPTOR_FLAG | UTF8_FLAG, 6);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0x21, 12); // 1980-01-01
    local.writeUInt16LE(nameBytes.length, 26); // crc and sizes stay zero: they follow the data
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(packed.length, 8);
    descriptor.writeUInt32LE(data.length, 12);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(DATA_DESCRIPTOR_FLAG | UTF8_FLAG, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt16LE(0x21, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(packed.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, nameBytes);
    chunks.push(local, nameBytes, packed, descriptor);
    offset += local.length + nameBytes.length + packed.length + descriptor.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...chunks, directory, end]);
}

/** Every central-directory entry's flags, read back from the bytes. */
function centralFlags(zip: Buffer): number[] {
  const flags: number[] = [];
  for (let at = 0; at + 46 <= zip.length; at++) {
    if (zip.readUInt32LE(at) === 0x02014b50) flags.push(zip.readUInt16LE(at + 8));
  }
  return flags;
}

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/** A staff export: a title, a blank row, the header, then people; shared strings, inline
 * strings, a formula with its cached value, and a Roles column left empty. */
function staffExport(): Buffer {
  const shared = ["Staff list November 2026", "First name", "Last name", "Email", "Phone", "Roles"];
  const s = (ref: string, index: number) => `<c r="${ref}" t="s"><v>${index}</v></c>`;
  const t = (ref: string, value: string) => `<c r="${ref}" t="inlineStr"><is><t>${value}</t></is></c>`;
  const sheet =
    `<row r="1">${s("A1", 0)}</row>` +
    `<row r="3">${s("A3", 1)}${s("B3", 2)}${s("C3", 3)}${s("D3", 4)}${s("E3", 5)}</row>` +
    `<row r="4">${t("A4", "Dana")}${t("B4", "Descriptor")}<c r="C4" t="str"><f>LOWER("DANA.D@GLOBEX.EXAMPLE")</f><v>dana.d@globex.example</v></c>${t("D4", "+1 888 667 8888")}</row>` +
    `<row r="5">${t("A5", "Lev")}${t("B5", "Stream")}${t("C5", "lev.stream@globex.example")}</row>` +
    `<row r="6">${t("A6", "Zoë")}${t("B6", "Writer")}${t("C6", "zoe.writer@globex.example")}${t("D6", "+44 20 7946 0958")}</row>`;
  return streamedZip([
    [
      "[Content_Types].xml",
      `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
    ],
    [
      "_rels/.rels",
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      "xl/workbook.xml",
      `<?xml version="1.0" encoding="UTF-8"?><workbook ${NS} xmlns:r="${REL}"><sheets><sheet name="Staff" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    ],
    [
      "xl/_rels/workbook.xml.rels",
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ],
    [
      "xl/sharedStrings.xml",
      `<?xml version="1.0" encoding="UTF-8"?><sst ${NS} count="${shared.length}" uniqueCount="${shared.length}">${shared.map((v) => `<si><t>${v}</t></si>`).join("")}</sst>`,
    ],
    ["xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet ${NS}><sheetData>${sheet}</sheetData></worksheet>`],
  ]);
}

test("a workbook written by a streaming writer previews under its title, gets the default role, and imports", async ({ page }) => {
  const xlsx = staffExport();
  const flags = centralFlags(xlsx);
  expect(flags).toHaveLength(6);
  expect(flags.every((f) => (f & DATA_DESCRIPTOR_FLAG) !== 0)).toBe(true);

  await openGlobexImport(page);
  await upload(page, "staff-export.xlsx", xlsx);
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("3 rows")).toBeVisible();
  await expect(dialog.getByText("0 with problems")).toBeVisible();
  await expect(dialog.getByText("Rows 1–2 are above the header row and are not imported.")).toBeVisible();
  // The title is shown greyed, above the data, and is not a data row.
  await expect(dialog.locator("tr.above-header")).toContainText("Staff list November 2026");
  await expect(dialog.getByRole("combobox", { name: "Header row" })).toHaveValue("1");
  // The formula's cached value is what is imported; the empty Roles column got the default.
  await expect(dialog.getByRole("gridcell", { name: "dana.d@globex.example" })).toHaveAttribute("aria-invalid", "false");
  await expect(dialog.getByRole("gridcell", { name: "Requester", exact: true })).toHaveCount(3);

  // A wrong guess can be corrected: with no header row the title and header become data.
  await dialog.getByRole("combobox", { name: "Header row" }).selectOption("none");
  await expect(dialog.getByText("5 rows")).toBeVisible();
  await dialog.getByRole("combobox", { name: "Header row" }).selectOption("1");
  await expect(dialog.getByText("3 rows")).toBeVisible();
  await expect(dialog.getByText("0 with problems")).toBeVisible();

  await dialog.getByRole("button", { name: "Import 3 users" }).click();
  await expect(dialog.getByRole("status").first()).toContainText("3 created");
});

test("a workbook saved by LibreOffice Calc previews its rows", async ({ page }) => {
  await openGlobexImport(page);
  await upload(page, "staff.xlsx", readFileSync("../app/tests/fixtures/libreoffice-staff-list.xlsx"));
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("4 rows")).toBeVisible();
  await expect(dialog.getByText("Rows 1–2 are above the header row and are not imported.")).toBeVisible();
  await expect(dialog.getByRole("gridcell", { name: "chloe.durand@example.fr" })).toHaveAttribute("aria-invalid", "false");
  // A phone stored as a number has lost its +: the cell says so.
  await expect(dialog.getByRole("gridcell", { name: /18886678888/ })).toHaveAttribute("aria-invalid", "true");
});

test("a PDF renamed to .xlsx or .csv is named for what it is", async ({ page }) => {
  await openGlobexImport(page);
  const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "latin1"), Buffer.alloc(64)]);
  await upload(page, "people.xlsx", pdf);
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText(/not a spreadsheet or a text file \(it looks like a PDF document\)/)).toBeVisible();
  await upload(page, "people.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
  await expect(dialog.getByText(/it looks like a PNG image/)).toBeVisible();
});
