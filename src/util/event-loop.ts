// Turning the event loop: tree-sitter frees a tree only then (its N-API
// finaliser runs after the collection that found the tree dead).
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
