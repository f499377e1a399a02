// X10 at run time: the working catalog is compared with the approved one. A change that loosens
// privacy stops the run until the privacy office approves it; a tightening change applies at
// once and is recorded in DATA/runs/rule-changes.jsonl.
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { diffCatalog, readApproved } from '../rules/approved.ts';
import type { Catalog } from '../rules/catalog.ts';
import type { RuleChange } from '../rules/review.ts';
import type { Logger } from './io.ts';

export class UnapprovedChangeError extends Error {
  constructor(readonly changes: RuleChange[]) {
    const list = changes.map((c) => `${c.id} (${c.reasons.filter((r) => r.startsWith('loosening')).join('; ')})`).join(', ');
    super(`refusing to publish: rule change loosens privacy and is not approved: ${list}. ` +
      `Review it with "publisher rules diff", then "publisher rules approve ${changes[0].id} --by NAME --note TEXT".`);
    this.name = 'UnapprovedChangeError';
  }
}

export async function checkRuleChanges(catalog: Catalog, dataDir: string, log: Logger, now: Date): Promise<RuleChange[]> {
  const changes = diffCatalog(catalog, await readApproved(catalog.dir));
  const loosening = changes.filter((c) => c.verdict === 'loosening');
  if (loosening.length) throw new UnapprovedChangeError(loosening);
  const tightening = changes.filter((c) => c.verdict === 'tightening');
  if (tightening.length) {
    await mkdir(path.join(dataDir, 'runs'), { recursive: true });
    for (const c of tightening) {
      log.warn(`rule ${c.id} tightened and applied before approval: ${c.reasons.join('; ')}`);
      await appendFile(path.join(dataDir, 'runs', 'rule-changes.jsonl'), `${JSON.stringify({ at: now.toISOString(), ...c })}\n`);
    }
  }
  return changes;
}
