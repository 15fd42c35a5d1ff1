// Blanking parts of a file before parsing it: what the analysis does not need is
// replaced by spaces (line breaks kept), so tree-sitter skips over it at almost
// no cost and everything kept stays at its offset, line and column.

/** `text` with the given [start, end) ranges blanked (sorted, not overlapping). */
export function blankRanges(text: string, ranges: readonly (readonly [number, number])[]): string {
  if (!ranges.length) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    parts.push(text.slice(at, start), blank(text.slice(start, end)));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

function blank(s: string): string {
  return s.split('\n').map((line) => ' '.repeat(line.length)).join('\n');
}

/** The text of [start, end) alone, at its line and column: the lines before it
 *  are empty (offsets differ from the file's; rows and columns do not). */
export function isolateRange(text: string, start: number, end: number): string {
  let rows = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) { rows++; lineStart = i + 1; }
  return '\n'.repeat(rows) + ' '.repeat(start - lineStart) + text.slice(start, end);
}

/** `text` with its C comments blanked (line breaks kept), for the readers that
 *  scan a file's text with patterns rather than parse it. A string or character
 *  literal is passed over whole: `"/sys/*"` opens no comment. */
export function blankComments(text: string): string {
  return text.replace(/("(?:[^"\\\n]|\\[\s\S])*"|'(?:[^'\\\n]|\\[\s\S])*')|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (m: string, literal: string | undefined) => (literal === undefined ? blank(m) : m));
}
