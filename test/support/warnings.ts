/** Warnings as `<path>: <message> (<hint>)` lines, the shape the library prints (without the construct). */
export function warningLines(ws: ReadonlyArray<{ path: string; message: string; hint?: string }>): string[] {
  return ws.map((w) => `${w.path ? `${w.path}: ` : ''}${w.message}${w.hint ? ` (${w.hint})` : ''}`);
}
