// Body-worn video redaction fee estimator: each rule of the facts file's fee schedule, exemptions
// and input validation.
import { describe, expect, it } from 'vitest';
import { estimate, estimateFromQuery, FeeInput, REQUESTERS } from '../../../site/fees/bwv.ts';

const est = (q: Record<string, unknown>) => {
  const r = estimateFromQuery(q);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.estimate;
};

describe('fee schedule (2017 cost study, $0.60 per specialist minute)', () => {
  it('targeted video redaction: 10 specialist minutes = $6.00 per footage minute, per person or object', () => {
    const e = est({ minutes: '10', redaction: 'targeted-video', people: '1' });
    expect(e.lines[0]).toMatchObject({ specialistMinutes: 100, cents: 6000 });
    expect(est({ minutes: '10', redaction: 'targeted-video', people: '3' }).totalCents).toBe(18_000);
    expect(e.lines[0].rule).toContain('10 specialist minutes per minute of footage for each person or object');
  });

  it('targeted audio redaction alone: 5 specialist minutes = $3.00 per footage minute', () => {
    const e = est({ minutes: '7', redaction: 'targeted-audio' });
    expect(e.lines[0]).toMatchObject({ specialistMinutes: 35, cents: 2100 });
  });

  it('targeted blackout or screen blur: 4.5 specialist minutes = $2.70 per footage minute', () => {
    expect(est({ minutes: '1', redaction: 'blackout' }).totalCents).toBe(270);
    const e = est({ minutes: '12.5', redaction: 'blackout' });
    expect(e.lines[0]).toMatchObject({ specialistMinutes: 56.25, cents: 3375 });
  });

  it('whole-screen blur plus audio removal: flat $0.60 per video, whatever the length', () => {
    expect(est({ minutes: '90', redaction: 'whole-screen' }).totalCents).toBe(60);
    expect(est({ minutes: '90', redaction: 'whole-screen', videos: '4' }).totalCents).toBe(240);
    expect(est({ minutes: '90', redaction: 'whole-screen' }).lines[0].specialistMinutes).toBeNull();
  });

  it('adds the lines of several redaction types', () => {
    const e = est({ minutes: '10', redaction: ['targeted-video', 'targeted-audio', 'whole-screen'], people: '2', videos: '2' });
    expect(e.lines.map((l) => l.cents)).toEqual([12_000, 3000, 120]);
    expect(e.totalCents).toBe(15_120);
    expect(e.notes.join(' ')).toMatch(/copy costs are added/i);
  });

  it('exempt requesters pay $0, and the estimate says which exemption applies', () => {
    for (const [key, r] of Object.entries(REQUESTERS)) {
      const e = est({ minutes: '10', redaction: 'targeted-audio', requester: key });
      expect(e.subtotalCents).toBe(3000);
      expect(e.totalCents, key).toBe(r.exempt ? 0 : 3000);
      expect(e.exempt).toBe(r.exempt);
      if (r.exempt) expect(e.exemption).toMatch(/RCW 42\.56/);
    }
    expect(Object.values(REQUESTERS).filter((r) => r.exempt)).toHaveLength(4);
  });

  it('estimate() works on parsed input directly', () => {
    const input = FeeInput.parse({ minutes: 2, redaction: ['blackout'] });
    expect(estimate(input).totalCents).toBe(540);
  });
});

describe('validation', () => {
  const errors = (q: Record<string, unknown>) => {
    const r = estimateFromQuery(q);
    return r.ok ? [] : r.errors;
  };

  it('requires a positive footage length and at least one known redaction type', () => {
    expect(errors({})).toEqual([
      { field: 'minutes', message: 'Enter the length of the footage in minutes, as a number.' },
      { field: 'redaction', message: 'Choose at least one redaction type.' },
    ]);
    expect(errors({ minutes: '0', redaction: 'blackout' })[0]).toEqual({ field: 'minutes', message: 'The footage must be longer than 0 minutes.' });
    expect(errors({ minutes: 'ten', redaction: 'blackout' })[0].field).toBe('minutes');
    expect(errors({ minutes: '1.234', redaction: 'blackout' })[0].message).toMatch(/two decimals/);
    expect(errors({ minutes: '5', redaction: 'pixelate' })).toEqual([{ field: 'redaction', message: 'Choose redaction types from the list.' }]);
  });

  it('asks for the number of people or objects for targeted video redaction', () => {
    expect(errors({ minutes: '5', redaction: 'targeted-video' })).toEqual([
      { field: 'people', message: 'Enter how many people or objects need targeted video redaction.' },
    ]);
    expect(errors({ minutes: '5', redaction: 'targeted-video', people: '1.5' })[0].field).toBe('people');
  });

  it('rejects an unknown requester and a bad video count', () => {
    expect(errors({ minutes: '5', redaction: 'blackout', requester: 'mayor' })[0].field).toBe('requester');
    expect(errors({ minutes: '5', redaction: 'whole-screen', videos: '0' })[0]).toEqual({ field: 'videos', message: 'At least 1 video.' });
  });
});
