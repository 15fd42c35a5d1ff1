// Writing the HTML report's directory. A new or empty directory is filled; one
// holding an earlier eqscheck report is written over, and the finding pages it
// had beyond the new report's are removed (a page left from a larger report
// would be read as current). Any other directory is refused: the report must
// not mix with, or remove, files it did not write.
import { lstatSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { DEFAULT_MAX_FILE_SIZE, readRegularFile } from '../io/read-file.js';
import { isHtmlReportIndex, type HtmlReport } from './html.js';

const PAGE_NAME = /^(?:index|finding-\d+)\.html$/;

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** @throws InputError naming the directory and the problem */
export function writeHtmlReport(dir: string, report: HtmlReport): void {
  let entries: string[];
  try {
    mkdirSync(dir, { recursive: true });
    if (!lstatSync(dir).isDirectory()) throw new InputError(dir, 'is not a directory (--format html writes a directory of pages: -o DIR)');
    entries = readdirSync(dir).sort();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(dir, code(err) === 'EEXIST' || code(err) === 'ENOTDIR'
      ? 'is not a directory (--format html writes a directory of pages: -o DIR)'
      : `cannot create the report directory (${code(err)})`);
  }
  if (entries.length && !holdsReport(dir, entries)) {
    throw new InputError(dir, 'is not empty and holds no eqscheck HTML report: give a new or an empty directory');
  }
  for (const name of entries) {
    if (PAGE_NAME.test(name) && !report.has(name)) remove(path.join(dir, name));
  }
  for (const [name, text] of report) {
    const file = path.join(dir, name);
    // Written over only as a regular file: never through a symbolic link left there.
    if (entries.includes(name) && !lstatSync(file).isFile()) throw new InputError(file, 'is not a regular file: not written over');
    try {
      writeFileSync(file, text);
    } catch (err) {
      throw new InputError(file, `cannot write the report (${code(err)})`);
    }
  }
}

function holdsReport(dir: string, entries: readonly string[]): boolean {
  if (!entries.includes('index.html')) return false;
  try {
    return isHtmlReportIndex(readRegularFile(path.join(dir, 'index.html'), DEFAULT_MAX_FILE_SIZE).toString('utf8'));
  } catch {
    return false;
  }
}

function remove(file: string): void {
  if (!lstatSync(file).isFile()) return;
  try {
    unlinkSync(file);
  } catch (err) {
    throw new InputError(file, `cannot remove the earlier report's page (${code(err)})`);
  }
}
