/**
 * CSV answers (RFC 4180, via csv-stringify): a header row, every cell quoted, and cells a
 * spreadsheet would run as a formula defused with a leading `'`.
 * @module
 */
import { stringify } from "csv-stringify/sync";

/** Cells a spreadsheet reads as a formula (OWASP's CSV injection list). */
const formulaStart = /^[=+\-@\t\r]/;

/** Serialises `rows` under `columns` (the header row), CRLF line ends. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>) {
  return stringify(
    rows.map((row) => columns.map((column) => row[column])),
    {
      header: true,
      columns: [...columns],
      quoted: true,
      record_delimiter: "windows",
      cast: {
        boolean: (value) => String(value),
        string: (value) => (formulaStart.test(value) ? `'${value}` : value),
        number: (value) => String(value),
      },
    },
  );
}

/** Whether the client asked for CSV (`Accept: text/csv`) rather than JSON. */
export function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/csv\b/i.test(accept);
}
