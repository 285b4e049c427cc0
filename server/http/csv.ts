/**
 * CSV answers (RFC 4180, via csv-stringify): a header row, every cell quoted, and cells a
 * spreadsheet would run as a formula defused with a leading `'`.
 * @module
 */
import { stringify } from "csv-stringify/sync";

/** Cells a spreadsheet reads as a formula (OWASP's CSV injection list). */
const formulaStart = /^[=+\-@\t\r]/;

/**
 * Serialises `rows` under `columns`, CRLF line ends. The header row is the plain column names
 * (identifiers: nothing to quote), as parley's exports have always begun.
 */
export function toCsv(
  columns: readonly string[],
  rows: ReadonlyArray<Record<string, unknown>> | ReadonlyArray<readonly unknown[]>,
): string {
  const cells = rows.map((row) =>
    Array.isArray(row) ? row : columns.map((column) => (row as Record<string, unknown>)[column]),
  );
  return `${columns.join(",")}\r\n${stringify(cells, {
    quoted: true,
    record_delimiter: "windows",
    cast: {
      boolean: (value) => String(value),
      string: (value) => (formulaStart.test(value) ? `'${value}` : value),
      number: (value) => String(value),
    },
  })}`;
}

/** Whether the client asked for CSV (`Accept: text/csv`) rather than JSON. */
export function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/csv\b/i.test(accept);
}
