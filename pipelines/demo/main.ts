// Command line for the demo generator, also the timing script:
//   node --import tsx pipelines/demo/main.ts --out DIR [--years 2] [--seed 1] [--end YYYY-MM-DD] [--scale 1]
import { generateDemoRecords } from './generate.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const outDir = args.get('out');
if (!outDir) {
  console.error('usage: main.ts --out DIR [--years 2] [--seed 1] [--end YYYY-MM-DD] [--scale 1]');
  process.exit(2);
}
const t0 = performance.now();
const summary = await generateDemoRecords({
  outDir,
  years: Number(args.get('years') ?? 2),
  seed: Number(args.get('seed') ?? 1),
  end: args.has('end') ? new Date(args.get('end') + 'T00:00:00Z') : new Date(),
  scale: Number(args.get('scale') ?? 1),
  progress: (step, done, total) => process.stderr.write(`\r${step} ${done}/${total ?? '?'}`),
});
process.stderr.write('\n');
console.log(JSON.stringify({ ...summary, seconds: Number(((performance.now() - t0) / 1000).toFixed(2)) }));
