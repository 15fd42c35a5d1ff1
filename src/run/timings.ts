// With EQSCHECK_TIMINGS set, the run writes how long its phases and its slow
// roots take to stderr (for the benchmarks: nothing in a report depends on time).
export const TIMINGS = !!process.env['EQSCHECK_TIMINGS'];

export function timingLine(text: string): void {
  if (TIMINGS) process.stderr.write(`eqscheck: ${text}\n`);
}
