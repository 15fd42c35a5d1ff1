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
  nodeIsNamed: boolean;
  nodeIsMissing: boolean;
  currentFieldName: string | null | undefined;
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

/** Builds our view of the node under `cursor` (the cursor is left where it started). */
export function buildSubtree(cursor: Cursor, source: string): SyntaxNode {
  const make = (): SyntaxNode & { children: SyntaxNode[] } => {
    const start = cursor.startPosition;
    const type = cursor.nodeType;
    const named = cursor.nodeIsNamed;
    return {
      type, field: cursor.currentFieldName ?? null,
      startIndex: cursor.startIndex, endIndex: cursor.endIndex,
      startRow: start.row, startCol: start.column, endRow: cursor.endPosition.row,
      named, missing: cursor.nodeIsMissing, children: [],
      text: !named || LEAF_TEXT_TYPES.has(type) ? source.slice(cursor.startIndex, cursor.endIndex) : null,
    };
  };
  const root = make();
  const stack: (SyntaxNode & { children: SyntaxNode[] })[] = [root];
  if (!cursor.gotoFirstChild()) return root;
  for (;;) {
    const parent = stack[stack.length - 1]!;
    let descended = false;
    if (cursor.nodeIsNamed || cursor.currentFieldName || cursor.nodeIsMissing) {
      const node = make();
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
