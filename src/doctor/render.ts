/** The doctor's output: a human summary (one line per construct, details under it) and JSON. */
import { DoctorReport, Finding } from './diagnose';

/** One line per construct, then its findings indented, problems first; a last line with the verdict. */
export function renderHuman(report: DoctorReport): string {
  const out: string[] = [];
  for (const c of report.constructs) {
    const problems = c.findings.filter((f) => f.severity === 'problem').length;
    const verdict = c.healthy ? 'ok' : `${problems} problem${problems === 1 ? '' : 's'}`;
    out.push(`${c.healthy ? 'OK  ' : 'FAIL'} ${c.kind} ${c.namespace}/${c.name}: ${verdict} (${c.summary})`);
    for (const p of c.externalProviders ?? []) out.push(`       external provider ${p.id} (${p.image}): ${p.state}`);
    const ordered = [...c.findings.filter((f) => f.severity === 'problem'), ...c.findings.filter((f) => f.severity === 'info')];
    for (const f of ordered) out.push(...finding(f));
  }
  if (report.constructs.length === 0) out.push('no objects of cdk8s-llama-stack constructs in the manifests');
  for (const e of report.errors) out.push(`error: ${e}`);
  const failed = report.constructs.filter((c) => !c.healthy).length;
  out.push(report.healthy
    ? `healthy: ${report.constructs.length} construct${report.constructs.length === 1 ? '' : 's'}`
    : `problems: ${failed} of ${report.constructs.length} construct${report.constructs.length === 1 ? '' : 's'}${report.errors.length ? `, ${report.errors.length} kubectl error${report.errors.length === 1 ? '' : 's'}` : ''}`);
  return `${out.join('\n')}\n`;
}

function finding(f: Finding): string[] {
  const mark = f.severity === 'problem' ? '  x' : '  -';
  return [`${mark} ${f.object}: ${f.message}`, ...f.details.map((d) => `      ${d}`)];
}

/** The report as JSON (`schemaVersion` 1), two-space indented. */
export function renderJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
