// A file cut off in the middle of a row fails the load (nothing applied); a complete file that
// merely lacks a final line break is read normally.
import { describe, expect, it } from 'vitest';
import { B1, csvFile, loadDrop, writeDrop } from './csv-drop-helpers.ts';

describe('CSV files cut off mid-row', () => {
  const whole = csvFile('cad_events', [{ event_id: 'E1' }, { event_id: 'E2' }, { event_id: 'E3' }]);

  it('refuses a file whose last record is torn and has no final line break', async () => {
    const cut = whole.slice(0, whole.trimEnd().lastIndexOf(',') - 5);
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': cut } });
    await expect(loadDrop(dir)).rejects.toThrow(/cad_events\.csv: cut off in the middle of a row \(record 4 is incomplete/);
  });

  it('reads a complete file without a final line break', async () => {
    const dir = await writeDrop({ [B1]: { 'cad_events.csv': whole.trimEnd() } });
    const { reports } = await loadDrop(dir);
    expect(reports.cad_events).toMatchObject({ staged: 3, quarantined: 0 });
  });
});
