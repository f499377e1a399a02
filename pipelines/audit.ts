// The audit log of admin actions (rule approvals, manual runs, rollbacks, sealing on demand): one JSON line each in
// DATA/audit.jsonl, append-only, readable by the privacy office.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface AuditEntry {
  at: string;
  action: 'rules.approve' | 'run' | 'rollback' | 'seal';
  actor: string;
  details: Record<string, unknown>;
}

export const AUDIT_FILE = 'audit.jsonl';

function actor(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export async function appendAudit(dataDir: string, action: AuditEntry['action'], details: Record<string, unknown>, now = new Date()): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const entry: AuditEntry = { at: now.toISOString(), action, actor: actor(), details };
  await appendFile(path.join(dataDir, AUDIT_FILE), `${JSON.stringify(entry)}\n`);
}

export async function readAudit(dataDir: string): Promise<AuditEntry[]> {
  const text = await readFile(path.join(dataDir, AUDIT_FILE), 'utf8').catch(() => '');
  // A torn last line (the process killed mid-append) is skipped, as in the run history.
  return text.split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l) as AuditEntry];
    } catch {
      return [];
    }
  });
}
