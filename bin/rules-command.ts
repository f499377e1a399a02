// `publisher rules diff|approve`: the privacy office's review workflow on the command line.
import { parseArgs } from 'node:util';
import { approveRule } from '../rules/approved.ts';
import { loadCatalog } from '../rules/catalog.ts';
import type { Config } from '../pipelines/config.ts';
import { previewRuleChanges, type Preview } from '../pipelines/rules-preview.ts';
import { appendAudit } from '../pipelines/audit.ts';

export class RulesUsageError extends Error {}

function formatPreview(p: Preview): string {
  if (!p.changes.length) return 'The working catalog matches the approved one.\n';
  const lines: string[] = [];
  for (const c of p.changes) {
    lines.push(`${c.id}  ${c.kind}  ${c.verdict.toUpperCase()}${c.verdict === 'loosening' ? ' (needs approval before it can publish)' : ''}`);
    for (const r of c.reasons) lines.push(`    ${r}`);
  }
  lines.push('');
  if (p.impact === null) lines.push(`Impact: ${p.note}`);
  for (const d of p.impact ?? []) {
    lines.push(`Impact on ${d.datasetId}: ${d.rowsBefore} → ${d.rowsAfter} rows (${d.rowsOnlyBefore} no longer published, ${d.rowsOnlyAfter} newly published); k ${d.kBefore ?? '–'} → ${d.kAfter ?? '–'}`);
    for (const c of d.columns) lines.push(`    ${c.name}: ${c.rowsChanged} row(s) would publish differently`);
    if (!d.columns.length) lines.push('    no published value changes');
  }
  return `${lines.join('\n')}\n`;
}

export async function rulesCommand(args: string[], config: Config, opts: { catalogDir?: string; datasetsDir?: string }): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === 'diff') {
    const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, data: { type: 'string' }, config: { type: 'string' } } });
    const preview = await previewRuleChanges({ config, catalogDir: opts.catalogDir, datasetsDir: opts.datasetsDir, now: new Date() });
    process.stdout.write(values.json ? `${JSON.stringify(preview, null, 2)}\n` : formatPreview(preview));
    return;
  }
  if (sub === 'approve') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { by: { type: 'string' }, note: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' } } });
    const id = positionals[0];
    if (!id || !values.by || !values.note) throw new RulesUsageError('rules approve needs RULE --by NAME --note TEXT');
    const change = await approveRule(await loadCatalog(opts.catalogDir), id, values.by, values.note, new Date());
    await appendAudit(config.dataDir, 'rules.approve', { rule: id, by: values.by, note: values.note, verdict: change.verdict });
    process.stdout.write(`${JSON.stringify({ approved: id, by: values.by, change })}\n`);
    return;
  }
  throw new RulesUsageError(`rules needs a subcommand: diff or approve (got "${sub ?? ''}")`);
}
