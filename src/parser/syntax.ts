// Our own small view of a syntax tree, so that the rest of eqscheck does not
// depend on tree-sitter's API. Nodes are plain objects built with a cursor
// (much cheaper than tree-sitter's node objects), only for the subtrees the
// analysis needs. Anonymous tokens are kept only where they carry a field
// name (operators), since nothing else reads them.

export interface SyntaxNode {
  readonly type: string;
  /** Field name in the parent (`condition`, `body`, `operator`, …). */
  readonly field: string | null;
  readonly startIndex: number;
  readonly endIndex: number;
  /** 0-based row and column (in characters) of the first character. */
  readonly startRow: number;
  readonly startCol: number;
  readonly endRow: number;
  readonly named: boolean;
  readonly missing: boolean;
  readonly children: SyntaxNode[];
  /** Source text, kept for leaves (identifiers, literals, operators). */
  readonly text: string | null;
}

export function child(node: SyntaxNode, field: string): SyntaxNode | undefined {
  return node.children.find((c) => c.field === field);
}

export function childrenOf(node: SyntaxNode, field: string): SyntaxNode[] {
  return node.children.filter((c) => c.field === field);
}

export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.children.filter((c) => c.named);
}

export function* descendants(node: SyntaxNode): Generator<SyntaxNode> {
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

export function hasError(node: SyntaxNode): boolean {
  for (const n of descendants(node)) if (n.type === 'ERROR' || n.missing) return true;
  return false;
}

/** Minimal structural interface of tree-sitter's TreeCursor that we use. */
export interface Cursor {
  nodeType: string;
  nodeTypeId: number;
  nodeIsNamed: boolean;
  nodeIsMissing: boolean;
  currentFieldName: string | null | undefined;
  currentFieldId: number | undefined;
  startIndex: number;
  endIndex: number;
  startPosition: { row: number; column: number };
  endPosition: { row: number; column: number };
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

const LEAF_TEXT_TYPES = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'number_literal',
  'char_literal', 'storage_class_specifier', 'true', 'false', 'null', 'primitive_type', 'string_content', 'system_lib_string',
]);

/** Offsets where each line of `source` starts (the last text's, cached: a file's
 *  subtrees are built one after another). Rows and columns come from offsets:
 *  asking the cursor for positions costs a native call and an object per node. */
let lineStartsOf: { source: string; starts: Int32Array } | null = null;
function lineStarts(source: string): Int32Array {
  if (lineStartsOf?.source !== source) {
    const starts = [0];
    for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
    lineStartsOf = { source, starts: Int32Array.from(starts) };
  }
  return lineStartsOf.starts;
}

function rowOf(starts: Int32Array, index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Per node-type id of the grammar (tree-sitter-c, the one eqscheck parses with):
 *  its name and whether it is named — properties of the symbol, the same for every
 *  node of the id — and per field id its name, asked of the cursor the first time
 *  the id is met: each getter is a native call, and a string made per node. */
const typeNames: string[] = [];
const typeIsNamed: boolean[] = [];
const fieldNames: string[] = [];

/** The current node's type id, its name and named-ness known from then on. */
function typeIdOf(cursor: Cursor): number {
  const id = cursor.nodeTypeId;
  if (typeNames[id] === undefined) {
    typeNames[id] = cursor.nodeType;
    typeIsNamed[id] = cursor.nodeIsNamed;
  }
  return id;
}

function fieldOf(cursor: Cursor): string | null {
  const id = cursor.currentFieldId;
  if (id === undefined) return null;
  return (fieldNames[id] ??= cursor.currentFieldName ?? '') || null;
}

/** Builds our view of the node under `cursor` (the cursor is left where it started).
 *  @param mayMiss the tree may hold MISSING nodes (it has errors): asking each node
 *  costs a native call, so a tree without errors is not asked. */
export function buildSubtree(cursor: Cursor, source: string, mayMiss = true): SyntaxNode {
  const starts = lineStarts(source);
  const make = (typeId: number, field: string | null, missing: boolean): SyntaxNode & { children: SyntaxNode[] } => {
    const type = typeNames[typeId]!;
    const named = typeIsNamed[typeId]!;
    const startIndex = cursor.startIndex;
    const endIndex = cursor.endIndex;
    const startRow = rowOf(starts, startIndex);
    return {
      type, field, startIndex, endIndex,
      startRow, startCol: startIndex - starts[startRow]!, endRow: rowOf(starts, endIndex),
      named, missing, children: [],
      text: !named || LEAF_TEXT_TYPES.has(type) ? source.slice(startIndex, endIndex) : null,
    };
  };
  const root = make(typeIdOf(cursor), fieldOf(cursor), mayMiss && cursor.nodeIsMissing);
  const stack: (SyntaxNode & { children: SyntaxNode[] })[] = [root];
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1]!;
    let descended = false;
    // Anonymous tokens are kept only with a field name (operators) or when MISSING.
    const typeId = typeIdOf(cursor);
    const field = fieldOf(cursor);
    const missing = mayMiss && cursor.nodeIsMissing;
    if (typeIsNamed[typeId] || field || missing) {
      const node = make(typeId, field, missing);
      parent.children.push(node);
      if (cursor.gotoFirstChild()) { stack.push(node); descended = true; }
    }
    if (descended) continue;
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      stack.pop();
      if (stack.length === 0) return root;
    }
  }
}

/** Stands for a function body whose CFG is built and whose tree was let go. */
export const RELEASED_BODY: SyntaxNode = {
  type: 'compound_statement', field: 'body', startIndex: 0, endIndex: 0, startRow: 0, startCol: 0, endRow: 0,
  named: true, missing: false, children: [], text: null,
};
