// Docs stay true: every catalog rule and every technique is listed in docs/rules.md, and the
// README opens with the two commands a newcomer runs.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../rules/catalog.ts';
import { TECHNIQUES } from '../../rules/registry.ts';

describe('docs', () => {
  it('docs/rules.md lists every rule of the catalog and every technique', async () => {
    const doc = await readFile('docs/rules.md', 'utf8');
    const catalog = await loadCatalog();
    for (const rule of catalog.rules.values()) expect(doc, rule.id).toContain(`| ${rule.id} | ${rule.title} |`);
    for (const name of TECHNIQUES.keys()) expect(doc, name).toContain(`\`${name}\``);
  });

  it('README opens with the install-and-start command and the test command', async () => {
    const readme = await readFile('README.md', 'utf8');
    const block = readme.split('```sh')[1]?.split('```')[0] ?? '';
    expect(block).toMatch(/^npm install && npm start/m);
    expect(block).toMatch(/^npm test/m);
  });
});
