// Phase timings of a `publisher run`, read from its timestamped stderr: progress lines
// ("[s] load cad_events 50%", "[s] upsert cad_events", "[s] apply rules <slug>", "[s] write <slug>", "[s] scan release (X3)")
// and log lines ("<slug>: ... published (N shaped this run)", "scan gate: ...", "release ...
// published"). A phase lasts from its first marker to the next marker (or the end of the process).
import type { StampedLine } from './proc.ts';

export interface Phase {
  phase: string;
  seconds: number;
}

/** Line pattern → label of the phase that starts there ($1 is the captured name). */
const MARKERS: [RegExp, string][] = [
  [/^\[[\d.]+s\] load (\w+)/, 'stage $1: read + validate'],
  [/^\[[\d.]+s\] upsert (\w+)/, 'stage $1: upsert (typed insert)'],
  [/^\w+: \d+ rows read, /, 'stage: log summaries'],
  [/^\[[\d.]+s\] apply rules ([\w-]+)/, 'rules $1: shape + counts + X8'],
  [/^[\w-]+: \d+ read, .* published( \(\d+ shaped this run\))?$/, 'between datasets / case lookup / scan terms'],
  [/^scan gate: /, 'open previous release'],
  [/^\[[\d.]+s\] write ([\w-]+)/, 'write $1: COPY x3 + sha256 + charts'],
  [/^\[[\d.]+s\] scan release \(X3\)/, 'scan gate X3 + privacy report + switch'],
  [/^release \S+ published/, 'prune / sealing retained releases + exit'],
];

/**
 * Durations of the run's phases in seconds, in order. Notes: the last "stage <table>: upsert" phase
 * also holds the COMMIT of the load (its summary lines are logged after it); the
 * "between datasets / case lookup / scan terms" phase after the last dataset is the case
 * lookup (I7) and the X3 term table update.
 */
export function runPhases(lines: StampedLine[], total: number): Phase[] {
  const marks: { label: string; t: number }[] = [{ label: 'startup: node, tsx, definitions, open staging', t: 0 }];
  for (const { line, t } of lines) {
    for (const [re, label] of MARKERS) {
      const m = re.exec(line);
      if (!m) continue;
      const name = label.replace('$1', m[1] ?? '');
      if (marks[marks.length - 1].label !== name) marks.push({ label: name, t });
      break;
    }
  }
  // A label seen twice in a row collapses (progress repeats); merge equal labels that recur.
  const out: Phase[] = [];
  marks.forEach((m, i) => {
    const seconds = (marks[i + 1]?.t ?? total) - m.t;
    const prev = out.find((p) => p.phase === m.label);
    if (prev) prev.seconds += seconds;
    else out.push({ phase: m.label, seconds });
  });
  return out;
}
