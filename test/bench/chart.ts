/**
 * docs/benchmarks.svg: the benchmark table's two stories as pictures. Left, the time the shell
 * integration adds to a new interactive shell against the size of ~/.aws/config, one line per shell;
 * right, a cached `awsmfa env` against `node -e 0` (the floor) and a new session against the AWS CLI.
 * Drawn from the rows `npm run bench` measured in the same run, as plain SVG (no fonts or scripts
 * to load), so that it renders the same on GitHub and in any viewer.
 */

export interface ChartRow {
  readonly case: string;
  readonly value: string;
  readonly floorValue: string;
  readonly measured: number;
}

const SHELL_COLOURS: Readonly<Record<string, string>> = { bash: '#4e9a06', zsh: '#3465a4', fish: '#c4a000', pwsh: '#75507b' };
const SIZES = ['10 profiles', '1,000 profiles', '5,000 profiles', 'a 10 MB config'];
const SIZE_LABELS = ['10', '1,000', '5,000', '10 MB'];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const milliseconds = (text: string) => {
  const match = /^([\d.]+) ms/.exec(text);
  return match === null ? undefined : Number(match[1]);
};

/** The start-up rows: for each shell, the milliseconds added at each config size (missing where not measured). */
export function startupSeries(rows: readonly ChartRow[]): { shell: string; added: (number | undefined)[] }[] {
  const series: { shell: string; added: (number | undefined)[] }[] = [];
  for (const shell of Object.keys(SHELL_COLOURS)) {
    const added = SIZES.map((size) => rows.find((row) => row.case === `new interactive ${shell}, integration loaded, ${size}` && Number.isFinite(row.measured))?.measured);
    if (added.some((value) => value !== undefined)) series.push({ shell, added });
  }
  return series;
}

/** The bars of the right panel: label and milliseconds, from the rows that name them. */
export function speedBars(rows: readonly ChartRow[]): { label: string; ms: number; ours: boolean }[] {
  const bars: { label: string; ms: number; ours: boolean }[] = [];
  const cached = rows.find((row) => row.case.startsWith('`awsmfa env doug`, live cached session'));
  const fresh = rows.find((row) => row.case.startsWith('`awsmfa env doug --token-code …`, new session'));
  const floor = cached === undefined ? undefined : milliseconds(cached.floorValue);
  if (floor !== undefined) bars.push({ label: 'node -e 0', ms: floor, ours: false });
  const cachedMs = cached === undefined ? undefined : milliseconds(cached.value);
  if (cachedMs !== undefined) bars.push({ label: 'awsmfa env, cached', ms: cachedMs, ours: true });
  const freshMs = fresh === undefined ? undefined : milliseconds(fresh.value);
  if (freshMs !== undefined) bars.push({ label: 'awsmfa env, new session', ms: freshMs, ours: true });
  const cliMs = fresh === undefined ? undefined : milliseconds(fresh.floorValue);
  if (cliMs !== undefined) bars.push({ label: 'aws sts get-session-token', ms: cliMs, ours: false });
  return bars;
}

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].map((step) => step * power).find((bound) => bound >= value) ?? 10 * power);
}

export function benchmarksSvg(rows: readonly ChartRow[], subtitle: string): string {
  const width = 880;
  const height = 340;
  const parts: string[] = [];
  const text = (x: number, y: number, content: string, attributes = '') => parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes}>${escapeXml(content)}</text>`);

  // Left: added start-up time against the config's size.
  const series = startupSeries(rows);
  const left = { x: 80, y: 60, w: 340, h: 200 };
  // A log scale: a few milliseconds and PowerShell's seconds on one chart. Below 1 ms (or a negative
  // difference, which noise can give) is drawn at 1 ms.
  const decades = Math.max(2, Math.ceil(Math.log10(Math.max(10, ...series.flatMap((s) => s.added.filter((v): v is number => v !== undefined))))));
  text(left.x - 60, 30, 'Start-up added to a new interactive shell', ' class="title"');
  for (let i = 0; i <= decades; i++) {
    const y = left.y + left.h - (left.h * i) / decades;
    parts.push(`<line x1="${left.x}" y1="${y}" x2="${left.x + left.w}" y2="${y}" class="grid"/>`);
    text(left.x - 8, y + 4, `${(10 ** i).toLocaleString('en-US')} ms`, ' text-anchor="end" class="axis"');
  }
  const xAt = (index: number) => left.x + (left.w * index) / (SIZES.length - 1);
  SIZE_LABELS.forEach((label, index) => text(xAt(index), left.y + left.h + 18, label, ' text-anchor="middle" class="axis"'));
  text(left.x + left.w / 2, left.y + left.h + 38, 'profiles in ~/.aws/config', ' text-anchor="middle" class="axis"');
  const yAt = (ms: number) => left.y + left.h - (left.h * Math.min(decades, Math.log10(Math.max(1, ms)))) / decades;
  series.forEach((s, index) => {
    const points = s.added.flatMap((ms, i) => (ms === undefined ? [] : [`${xAt(i).toFixed(1)},${yAt(ms).toFixed(1)}`]));
    parts.push(`<polyline points="${points.join(' ')}" fill="none" stroke="${SHELL_COLOURS[s.shell]}" stroke-width="2.5"/>`);
    for (const point of points) {
      const [x, y] = point.split(',');
      parts.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${SHELL_COLOURS[s.shell]}"/>`);
    }
    const legendY = left.y + 12 + index * 16;
    parts.push(`<rect x="${left.x + left.w + 14}" y="${legendY - 9}" width="10" height="10" fill="${SHELL_COLOURS[s.shell]}"/>`);
    text(left.x + left.w + 30, legendY, s.shell, ' class="axis"');
  });
  if (series.length === 0) text(left.x + left.w / 2, left.y + left.h / 2, 'not measured in this run', ' text-anchor="middle" class="axis"');

  // Right: milliseconds for one command, awsmfa's bars beside their floors.
  const bars = speedBars(rows);
  const right = { x: 640, y: 60, w: 200, barH: 26, gap: 16 };
  const longest = niceMax(Math.max(1, ...bars.map((bar) => bar.ms)));
  text(right.x - 160, 30, 'One command, wall clock (median)', ' class="title"');
  bars.forEach((bar, index) => {
    const y = right.y + index * (right.barH + right.gap);
    const w = (right.w * bar.ms) / longest;
    text(right.x - 8, y + right.barH / 2 + 4, bar.label, ' text-anchor="end" class="axis"');
    parts.push(`<rect x="${right.x}" y="${y}" width="${w.toFixed(1)}" height="${right.barH}" class="${bar.ours ? 'ours' : 'floor'}"/>`);
    text(right.x + w + 6, y + right.barH / 2 + 4, `${bar.ms.toFixed(0)} ms`, ' class="axis"');
  });
  if (bars.length === 0) text(right.x, right.y + 20, 'not measured in this run', ' class="axis"');

  text(20, height - 14, subtitle, ' class="note"');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.title{font-size:15px;font-weight:bold;fill:#222}.axis{font-size:12px;fill:#444}.note{font-size:11px;fill:#666}.grid{stroke:#ddd;stroke-width:1}.ours{fill:#3465a4}.floor{fill:#babdb6}</style>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
/**
 * `node --import tsx test/bench/chart.ts`: docs/benchmarks.svg from the tables `npm run bench` wrote
 * (docs/benchmarks.json, and docs/benchmarks-integration.json where the integration's cases were run
 * on their own), without measuring again.
 */
export async function drawFromDocs(docs: string): Promise<string> {
  const { readFile, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const tables = await Promise.all(
    ['benchmarks.json', 'benchmarks-integration.json'].map(async (name) => {
      const text = await readFile(join(docs, name), 'utf8').catch(() => undefined);
      return text === undefined ? undefined : (JSON.parse(text) as { machine: string; rows: ChartRow[] });
    }),
  );
  const rows = tables.flatMap((table) => table?.rows ?? []);
  const machine = tables.find((table) => table !== undefined)?.machine ?? 'this machine';
  const path = join(docs, 'benchmarks.svg');
  await writeFile(path, benchmarksSvg(rows, `npm run bench, ${machine}: medians; each case measured alternating with its floor in the same run`));
  return path;
}

if (process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  console.error(`written to ${await drawFromDocs(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs'))}`);
}
