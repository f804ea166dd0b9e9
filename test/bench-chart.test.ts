/**
 * docs/benchmarks.svg is drawn from the benchmark rows: one line per shell measured (start-up added at
 * each config size, on a log scale) and one bar per command with its milliseconds. The chart is only
 * as true as the rows it is given, so this checks that each row lands where it says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchmarksSvg, speedBars, startupSeries, type ChartRow } from './bench/chart.js';

const row = (name: string, measured: number, value = '—', floorValue = '—'): ChartRow => ({ case: name, measured, value, floorValue });

test('the chart has a line per measured shell and a bar per command, from the rows given', () => {
  const rows: ChartRow[] = [
    row('new interactive bash, integration loaded, 10 profiles', 3.2),
    row('new interactive bash, integration loaded, 1,000 profiles', 4),
    row('new interactive bash, integration loaded, 5,000 profiles', 17),
    row('new interactive bash, integration loaded, a 10 MB config', 5),
    row('new interactive fish, integration loaded, 10 profiles', 100),
    row('new interactive pwsh, integration loaded', Number.NaN),
    row('`awsmfa env doug`, live cached session', 2, '91.7 ms (p10 78.2, p90 110.5)', '42.1 ms (p10 33.6, p90 50.3)'),
    row('`awsmfa env doug --token-code …`, new session from the loopback emulator', 0.2, '194.6 ms (p10 1, p90 2)', '843.2 ms (p10 1, p90 2)'),
  ];
  assert.deepEqual(startupSeries(rows), [
    { shell: 'bash', added: [3.2, 4, 17, 5] },
    { shell: 'fish', added: [100, undefined, undefined, undefined] },
  ]);
  assert.deepEqual(speedBars(rows), [
    { label: 'node -e 0', ms: 42.1, ours: false },
    { label: 'awsmfa env, cached', ms: 91.7, ours: true },
    { label: 'awsmfa env, new session', ms: 194.6, ours: true },
    { label: 'aws sts get-session-token', ms: 843.2, ours: false },
  ]);
  const svg = benchmarksSvg(rows, 'a note & <more>');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline /g)?.length, 2, 'one line for bash, one for fish; none for pwsh, not measured');
  // bash's 17 ms at 5,000 profiles: on a log scale of two decades (1–100 ms) over 200 px from y = 260.
  const y17 = (260 - (200 * Math.log10(17)) / 2).toFixed(1);
  assert.ok(svg.includes(`<circle cx="306.7" cy="${y17}"`), `bash's point at 5,000 profiles is at y = ${y17}`);
  assert.match(svg, />843 ms</);
  assert.match(svg, />a note &amp; &lt;more&gt;</);
});

test('a run that measured nothing still draws, and says so', () => {
  const svg = benchmarksSvg([], 'empty');
  assert.equal(svg.match(/not measured in this run/g)?.length, 2);
});
