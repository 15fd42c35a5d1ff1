// A large file parsed in pieces. tree-sitter's tree costs some 64 bytes per
// character of source and is held until the file is walked: a 50 MB file parsed
// whole held 3 GB beside the analysis. Pieces are cut only where a function
// definition ends (as the name index delimits them) outside every #if block, so
// that each parses as it would in the whole file; a file whose braces the index
// could not balance is parsed whole.
import v8 from 'node:v8';
import vm from 'node:vm';
import { indexNames } from '../scan/name-index.js';
import { blankComments } from './blank.js';

/** How much of a file one piece holds, at least (a definition is never cut). */
export const PIECE_CHARS = 1 << 20;

export interface Piece {
  startIndex: number;
  endIndex: number;
  startPosition: { row: number; column: number };
  endPosition: { row: number; column: number };
}

const CONDITIONAL = /^[ \t]*#[ \t]*(if|ifdef|ifndef|endif)\b/gm;

/** Where `text` is cut into pieces of about `size` characters (null: it is parsed whole). */
export function piecesOf(file: string, text: string, size = PIECE_CHARS): Piece[] | null {
  if (text.length < 2 * size) return null;
  const index = indexNames(file, text);
  if (!index.reliable) return null;
  const ends = index.functions.filter((f) => !f.macro).map((f) => f.end).sort((a, b) => a - b);
  // Comments blanked first: an `#endif` in a comment must not let a cut fall inside an `#if`.
  const conditionals = [...blankComments(text).matchAll(CONDITIONAL)].map((m) => [m.index!, m[1] === 'endif' ? -1 : 1] as const);
  const cuts: number[] = [];
  let start = 0;
  let depth = 0;
  let c = 0;
  for (const end of ends) {
    for (; c < conditionals.length && conditionals[c]![0] < end; c++) depth += conditionals[c]![1];
    if (depth === 0 && end - start >= size && text.length - end >= size) cuts.push(start = end);
  }
  if (!cuts.length) return null;
  const pieces: Piece[] = [];
  let row = 0;
  let lineStart = 0;
  let at = 0;
  const positionOf = (offset: number): { row: number; column: number } => {
    for (let nl = text.indexOf('\n', at); nl >= 0 && nl < offset; nl = text.indexOf('\n', nl + 1)) { row++; lineStart = nl + 1; }
    at = offset;
    return { row, column: offset - lineStart };
  };
  let from = 0;
  let fromPosition = positionOf(0);
  for (const cut of [...cuts, text.length]) {
    const position = positionOf(cut);
    pieces.push({ startIndex: from, endIndex: cut, startPosition: fromPosition, endPosition: position });
    from = cut;
    fromPosition = position;
  }
  return pieces;
}

/** tree-sitter's trees live outside V8's heap, which does not count them: a tree
 *  no longer used is freed only once a full collection has found its wrapper
 *  dead and the event loop has turned (N-API finalisers run then), and a run
 *  whose heap grows slowly may not collect for many pieces. So a collection is
 *  asked for when memory outside the heap has grown by RELEASE_BYTES since the
 *  last one; the caller then turns the event loop (see parseSourceInSteps). */
const RELEASE_BYTES = 256 * 2 ** 20;

let collect: (() => void) | null | undefined;
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

const outsideHeap = (): number => process.memoryUsage.rss() - process.memoryUsage().heapTotal;
/** The least memory outside the heap seen since the last collection. */
let low = Infinity;

/** After a piece: a full collection when trees may have piled up outside the heap. */
export function releaseTrees(): void {
  const now = outsideHeap();
  low = Math.min(low, now);
  if (now - low <= RELEASE_BYTES) return;
  collector()?.();
  low = now;
}
