// site/releases.ts keeps each retained release's parsed manifest, so feed and changelog requests
// do not parse every manifest again; a manifest rewritten in place (sealing) is read again, and a
// pruned release drops out.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseManifests } from '../../site/releases.ts';
import { tempDir } from '../helpers/pipeline.ts';
import { buildRelease } from './fixture-release.ts';
import { editManifest, R1, R2 } from './status/fixture.ts';

describe('retained release manifests', () => {
  it('parses each once, reads a rewritten one again and forgets a pruned one', async () => {
    const data = await tempDir('releases');
    await buildRelease(data, { releaseId: R1, incidentRows: 50 });
    await buildRelease(data, { releaseId: R2, incidentRows: 60 });
    const first = await releaseManifests(data);
    expect(first.map((m) => m.releaseId)).toEqual([R2, R1]);
    const again = await releaseManifests(data);
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);

    await editManifest(data, R1, (m) => void (m.createdAt = '2025-02-01T06:30:00Z'));
    const edited = await releaseManifests(data);
    expect(edited[0]).toBe(first[0]);
    expect(edited[1].createdAt).toBe('2025-02-01T06:30:00Z');

    await rm(path.join(data, 'releases', R1), { recursive: true });
    expect((await releaseManifests(data)).map((m) => m.releaseId)).toEqual([R2]);
  });
});
