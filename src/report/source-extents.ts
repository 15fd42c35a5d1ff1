// Where each function of a source file begins and ends, for showing a witness
// path's functions whole. The extents come from the parser the analysis used
// (same kernel-idiom rewrite, same #if handling), not from the step lines or a
// brace count: a path may touch only the first lines of a function, and braces
// in comments, strings and #if arms fool a counter. A step whose line no
// definition encloses (a file the parser gives up on, a body too large to
// build) is shown with the lines around the steps instead (see html.ts).
import { parseSource } from '../parser/parse.js';

export interface Extent {
  name: string;
  /** 1-based, inclusive: the declaration's first line to the closing brace (or the macro's last line). */
  start: number;
  end: number;
}

/** A declaration line above the name (`static noinstr void` over `foo(void)`): not blank,
 *  not a directive or comment, not the end of something else. */
const DECLARATION_HEAD = /^(?![ \t]*(?:#|\/\*|\*|\/\/))[ \t]*\S(?:.*[^;{}\s\\/])?[ \t]*$/;
const HEAD_LINES = 3;

export function functionExtents(file: string, text: string, lines: readonly string[]): Extent[] {
  const parsed = parseSource({ path: file, text, encoding: 'utf-8' });
  const extents: Extent[] = [];
  for (const def of parsed.functions) {
    // Definitions not built have no body to end at (too large: see parser/parse).
    if (def.opaque || def.tooLarge !== undefined) continue;
    let start = def.line;
    while (start > 1 && def.line - start < HEAD_LINES && DECLARATION_HEAD.test(lines[start - 2] ?? '') && !continued(lines, start - 2)) start--;
    extents.push({ name: def.name, start, end: Math.max(def.line, def.body.endRow + 1) });
  }
  for (const m of parsed.macros) {
    let start = m.row + 1;
    while (start > 1 && /\\\s*$/.test(lines[start - 2] ?? '')) start--;
    extents.push({ name: m.name, start, end: m.row + 1 + (m.body.match(/\r\n|\n|\r/g)?.length ?? 0) });
  }
  return extents;
}

/** Whether line `i` (0-based) continues a directive: the line above ends with a backslash. */
function continued(lines: readonly string[], i: number): boolean {
  return i > 0 && /\\\s*$/.test(lines[i - 1]!);
}

/** The innermost extent holding `line` (a macro #defined inside a function body is inside it). */
export function enclosingExtent(extents: readonly Extent[], line: number): Extent | undefined {
  let best: Extent | undefined;
  for (const e of extents) {
    if (e.start <= line && line <= e.end && (!best || e.end - e.start < best.end - best.start)) best = e;
  }
  return best;
}
