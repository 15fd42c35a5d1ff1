// The JSON report: a stable schema (version 1). Keys are written in a fixed order.
import type { AnalyzeResult } from '../analysis/analyze.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

export function formatJson(result: AnalyzeResult): string {
  const s = result.summary;
  const report = {
    version: 1,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId, severity: f.severity, file: f.file, line: f.line, column: f.column, function: f.function,
      message: f.message,
      trace: f.trace.map((t) => ({ file: t.file, line: t.line, column: t.column, message: t.message, depth: t.depth })),
      notes: f.notes,
    })),
    summary: {
      files: s.files,
      functions: s.functions,
      functionsNotFullyParsed: s.functionsWithParseErrors,
      unnamedFunctions: s.unnamedFunctions,
      skippedFiles: s.skipped,
      latin1Files: s.latin1Files,
      precisionLost: s.analysis.precisionLost,
      unknownCallees: s.analysis.unknownCallees,
      indirectCalls: s.analysis.indirectCalls,
    },
  };
  return JSON.stringify(report, null, 2) + '\n';
}
