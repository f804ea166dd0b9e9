/**
 * `npm run bench`: each case measured many times after a warm-up, as a ratio against a floor or a peer
 * measured in the same run, so the figures mean the same on a slower or busier machine.
 * `--quick` runs each case a few times only, to prove the benchmarks still run (CI does that).
 * Results: docs/benchmarks.md and docs/benchmarks.json (with --quick, a temporary directory).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomTotpSecret, type EmulatorUser } from '../../src/emulator/index.js';
import { ACCOUNT, CLI, ROOT, awsmfa, createWorld, type World } from '../helpers/fixture.js';
import { integrationBenchmarks } from './integration.js';
import { PWSH_QUIET, pwshPath } from '../helpers/pwsh.js';
import { drawFromDocs } from './chart.js';
import { gnuTimeAvailable, medianPeakMemory, timePair, type Command, type Sample } from './measure.js';

const quick = process.argv.includes('--quick');
// `--only=manyProfiles,manyProfilesListing` measures some cases, printed but not written to docs/;
// `--only=integration` (the shell integration's cases) is written to docs/benchmarks-integration.md.
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
const RUNS = quick ? 3 : Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = quick ? 1 : 5;
const NETWORK_RUNS = quick ? 2 : Number(process.env.BENCH_NETWORK_RUNS ?? 12);

export interface Row {
  readonly case: string;
  readonly floor: string;
  readonly value: string;
  readonly floorValue: string;
  /** value / floor (or value − floor, for additive targets). */
  readonly measured: number;
  readonly target: string;
  readonly met: boolean | null;
  readonly note?: string;
  /** The unit `measured` is in, where the target does not say (a row without one). */
  readonly unit?: string;
}

const rows: Row[] = [];
const fmt = (s: Sample) => `${s.medianMs.toFixed(1)} ms (p10 ${s.p10Ms.toFixed(1)}, p90 ${s.p90Ms.toFixed(1)})`;

function ratioRow(name: string, floor: string, value: Sample, floorValue: Sample, target: number, note?: string): void {
  const measured = value.medianMs / floorValue.medianMs;
  rows.push({ case: name, floor, value: fmt(value), floorValue: fmt(floorValue), measured, target: `≤ ${target}×`, met: measured <= target, ...(note ? { note } : {}) });
  console.error(`${name}: ${measured.toFixed(2)}× (${fmt(value)} vs ${fmt(floorValue)})`);
}

const node = (args: string[], env: Record<string, string>): Command => ({ argv: [process.execPath, ...args], env });
const cli = (args: string[], env: Record<string, string>): Command => node([CLI, ...args], env);

async function awsCliPath(): Promise<string | undefined> {
  try {
    await promisify(execFile)('aws', ['--version']);
    return 'aws';
  } catch {
    return undefined;
  }
}

function profiles(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `[profile filler${i}]\nregion = us-east-1\nmfa_serial = arn:aws:iam::${ACCOUNT}:mfa/filler${i}\n\n`;
  return text;
}

/** A live cached session for doug, in a world whose config also holds `extra` other profiles. */
async function cachedWorld(extra: number): Promise<World> {
  const world = await createWorld({
    config: (user) => `[profile doug]\nmfa_serial = ${user.mfaSerial}\nregion = eu-west-1\n\n${profiles(extra)}`,
  });
  const made = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
  if (made.code !== 0) throw new Error(made.stderr);
  return world;
}

async function cachedEnv(): Promise<void> {
  const world = await cachedWorld(10);
  try {
    const env = cli(['env', 'doug', '--shell', 'bash'], world.env);
    const floor = node(['-e', '0'], world.env);
    const [value, base] = await timePair(() => env, () => floor, RUNS, WARMUP);
    ratioRow('`awsmfa env doug`, live cached session', '`node -e 0`', value, base, 1.2);
    if (await gnuTimeAvailable()) {
      const memory = await medianPeakMemory(env, quick ? 1 : 5);
      const baseMemory = await medianPeakMemory(floor, quick ? 1 : 5);
      const measured = memory / baseMemory;
      rows.push({ case: 'same, peak memory', floor: '`node -e 0`', value: `${(memory / 1024).toFixed(1)} MiB`, floorValue: `${(baseMemory / 1024).toFixed(1)} MiB`, measured, target: '≤ 1.3×', met: measured <= 1.3 });
      console.error(`peak memory: ${measured.toFixed(2)}×`);
    }
  } finally {
    await world.close();
  }
}

/**
 * A config file is indexed, and a listing kept of it, once it is more than 2 s old (src/aws/config-index.ts,
 * src/report/listing-cache.ts): the worlds' files are left to settle, as a user's config has, before the
 * runs that are timed.
 */
async function settled(world: World): Promise<void> {
  const changed = Math.max(...(await Promise.all([world.configPath, world.credentialsPath].map(async (path) => (await stat(path)).ctimeMs))));
  const wait = changed + 2_500 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/**
 * The one run per change of the config, which parses it whole and keeps what it made of it (files of the
 * cache named `prefix…`): timed each time with those files removed first, against `floor`, without target.
 */
async function firstRunAfterChange(large: World, args: string[], prefix: string, floor: World, name: string): Promise<void> {
  const dir = join(large.env.XDG_CACHE_HOME!, 'awsmfa');
  const [first, again] = await timePair(
    async () => {
      for (const file of await readdir(dir)) if (file.startsWith(prefix)) await rm(join(dir, file), { force: true });
      return cli(args, large.env);
    },
    () => cli(args, floor.env),
    quick ? RUNS : Math.ceil(RUNS / 2),
    quick ? WARMUP : 2,
  );
  const measured = first.medianMs / again.medianMs;
  rows.push({ case: name, floor: 'with 10 profiles', value: fmt(first), floorValue: fmt(again), measured, target: '—', met: null, note: 'once per change; no target' });
  console.error(`${name}: ${measured.toFixed(2)}× (${fmt(first)} vs ${fmt(again)})`);
}

async function manyProfiles(): Promise<void> {
  const small = await cachedWorld(10);
  const large = await cachedWorld(5000);
  try {
    await settled(large);
    const [value, base] = await timePair(
      () => cli(['env', 'doug', '--shell', 'bash'], large.env),
      () => cli(['env', 'doug', '--shell', 'bash'], small.env),
      RUNS,
      WARMUP,
    );
    ratioRow('`awsmfa env doug` cached, 5,000 profiles in config', 'with 10 profiles', value, base, 1.1);
    await firstRunAfterChange(large, ['env', 'doug', '--shell', 'bash'], 'config-index-', small, 'same, the first run after the config changed (parses it whole, writes its index)');
  } finally {
    await small.close();
    await large.close();
  }
}

/** Users with devices of their own, so that every cold run has an unused code. */
function freshUsers(count: number, prefix: string): EmulatorUser[] {
  return Array.from({ length: count }, (_, i) => ({
    userName: `${prefix}${i}`,
    accountId: ACCOUNT,
    accessKeyId: `AKIA${prefix.toUpperCase().padEnd(4, 'X').slice(0, 4)}${String(i).padStart(5, '0')}EXAMPLE`.slice(0, 20),
    secretAccessKey: `secret${prefix}${i}EXAMPLE`,
    mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/${prefix}${i}`,
    totpSecret: randomTotpSecret(),
  }));
}

async function coldSessions(): Promise<void> {
  const aws = await awsCliPath();
  const count = NETWORK_RUNS + WARMUP;
  const ours = freshUsers(count, 'cold');
  // The peer runs twice as often (once per comparison), each time with a device of its own.
  const theirs = freshUsers(2 * count, 'peer');
  const all = [...ours, ...theirs];
  const world = await createWorld({
    users: all,
    config: (user) =>
      [
        `[profile doug]\nmfa_serial = ${user.mfaSerial}\n`,
        ...all.map((u) => `[profile ${u.userName}]\nmfa_serial = ${u.mfaSerial}\nregion = eu-west-1\n`),
        ...ours.map((u, i) => `[profile role${i}]\nrole_arn = arn:aws:iam::${ACCOUNT}:role/admin\nsource_profile = doug\nmfa_serial = ${user.mfaSerial}\n`),
      ].join('\n'),
    credentials: (user) =>
      [`[doug]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`, ...all.map((u) => `[${u.userName}]\naws_access_key_id = ${u.accessKeyId}\naws_secret_access_key = ${u.secretAccessKey}\n`)].join('\n'),
  });
  try {
    if (aws === undefined) {
      rows.push({ case: 'cold `env` and role `env`', floor: '`aws sts get-session-token`', value: '—', floorValue: '—', measured: NaN, target: '≤ 0.4×', met: null, note: 'aws CLI not installed' });
      return;
    }
    const peer = (i: number): Command => {
      const u = theirs[i]!;
      return {
        argv: ['aws', 'sts', 'get-session-token', '--profile', u.userName, '--serial-number', u.mfaSerial!, '--token-code', world.emulator.code(u.mfaSerial!), '--endpoint-url', world.emulator.url, '--output', 'json'],
        env: world.env,
      };
    };
    const cold = (i: number): Command => {
      const u = ours[i]!;
      return cli(['env', u.userName, '--shell', 'bash', '--token-code', world.emulator.code(u.mfaSerial!)], world.env);
    };
    const [value, base] = await timePair(cold, peer, NETWORK_RUNS, WARMUP);
    ratioRow('`awsmfa env doug --token-code …`, new session from the loopback emulator', '`aws sts get-session-token`, same emulator', value, base, 0.4);

    // One MFA session for doug, then each run assumes a role profile not yet cached: one AssumeRole.
    const made = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    if (made.code !== 0) throw new Error(made.stderr);
    const role = (i: number): Command => cli(['env', `role${i}`, '--shell', 'bash'], world.env);
    const peerAgain = (i: number): Command => peer(count + i);
    const [roleValue, roleBase] = await timePair(role, peerAgain, NETWORK_RUNS, WARMUP);
    ratioRow('`awsmfa env admin` (role), live MFA session, one AssumeRole', '`aws sts get-session-token`, same emulator', roleValue, roleBase, 0.4);
  } finally {
    await world.close();
  }
}

function additiveRow(name: string, floor: string, value: Sample, floorValue: Sample, targetMs: number): void {
  const measured = value.medianMs - floorValue.medianMs;
  rows.push({ case: name, floor, value: fmt(value), floorValue: fmt(floorValue), measured, target: `+ ≤ ${targetMs} ms`, met: measured <= targetMs });
  console.error(`${name}: +${measured.toFixed(1)} ms`);
}

async function commandExists(name: string): Promise<boolean> {
  return promisify(execFile)(name, ['--version']).then(
    () => true,
    () => false,
  );
}

/** The prompt hook with a session, 1000 calls in one shell, and the processes 100 prompts start (strace). */
async function promptCost(): Promise<void> {
  const world = await cachedWorld(10);
  try {
    const init = await awsmfa(['init', 'bash'], { env: world.env });
    const file = join(world.home, 'init.bash');
    await writeFile(file, init.stdout);
    const session = 'export AWSMFA_PROFILE=doug AWSMFA_EXPIRES_AT=$((EPOCHSECONDS + 2400)) PS1="> "';
    const loop = (n: number) => `source '${file}'; ${session}; start=$EPOCHREALTIME; for ((i = 0; i < ${n}; i++)); do __awsmfa_prompt; done; end=$EPOCHREALTIME; echo $(( (\${end/./} - \${start/./}) ))`;
    const timings: number[] = [];
    for (let i = 0; i < (quick ? 1 : 5); i++) {
      const { stdout } = await promisify(execFile)('bash', ['--norc', '-c', loop(1000)], { env: world.env });
      timings.push(Number(stdout.trim()) / 1000);
    }
    const perPrompt = timings.sort((a, b) => a - b)[Math.floor(timings.length / 2)]!;
    rows.push({ case: 'one prompt render, bash (mean of 1000)', floor: '—', value: `${perPrompt.toFixed(1)} µs`, floorValue: '—', measured: perPrompt, target: '≤ 50 µs', met: perPrompt <= 50 });
    console.error(`prompt: ${perPrompt.toFixed(1)} µs`);
    if (await commandExists('strace')) {
      const forks = async (n: number) => {
        const out = join(world.home, `strace-${n}`);
        await promisify(execFile)('strace', ['-f', '-c', '-e', 'trace=clone,clone3,fork,vfork', '-o', out, 'bash', '--norc', '-c', loop(n)], { env: world.env });
        const text = await readFile(out, 'utf8');
        return text.split('\n').filter((line) => /\b(clone3?|v?fork)$/.test(line.trim())).reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[3] ?? 0), 0);
      };
      // A first start may refresh the shell's profile index (one awsmfa run, a dozen clones with its
      // threads), and goes on doing so while the config is as young as the index's date allows; that
      // run is counted in the integration's rows, so the files settle and it is done before counting
      // here, where only the prompt's own cost is wanted.
      await settled(world);
      await forks(0);
      const extra = (await forks(100)) - (await forks(0));
      rows.push({ case: 'processes started by 100 prompt renders, bash (strace -f)', floor: 'the same shell rendering none', value: String(extra), floorValue: '0', measured: extra, target: '0 processes', met: extra === 0 });
      console.error(`prompt processes: ${extra}`);
    }
  } finally {
    await world.close();
  }
}

/**
 * PowerShell: `pwsh -NoProfile` starting with the integration dot-sourced (as install.sh's $PROFILE
 * line does) against the same start without it; and one prompt render with a session, timed inside one
 * pwsh over 1000 calls, against the prompt it wraps.
 */
async function pwshCost(): Promise<void> {
  const pwsh = await pwshPath();
  if (pwsh === undefined) {
    rows.push({ case: 'pwsh start, integration loaded', floor: '`pwsh -NoProfile`', value: '—', floorValue: '—', measured: NaN, target: '+ ≤ 150 ms', met: null, note: 'pwsh not installed' });
    return;
  }
  const world = await cachedWorld(10);
  try {
    const init = await awsmfa(['init', 'pwsh'], { env: world.env });
    if (init.code !== 0) throw new Error(init.stderr);
    const file = join(world.home, 'init.ps1');
    await writeFile(file, init.stdout);
    const env = { ...world.env, ...PWSH_QUIET };
    // Each start keeps its own PowerShell start-up profile (with awsmfa's cache linked in), as a
    // user's shell does: see integration.ts.
    const ownCache = async (name: string): Promise<Record<string, string>> => {
      const cache = join(world.home, `pwsh-cache-${name}`);
      await mkdir(cache, { recursive: true });
      await symlink(join(world.home, '.cache', 'awsmfa'), join(cache, 'awsmfa')).catch(() => undefined);
      return { ...env, XDG_CACHE_HOME: cache };
    };
    const loadedEnv = await ownCache('loaded');
    const bareEnv = await ownCache('bare');
    const start = (script: string, startEnv: Record<string, string>): Command => ({ argv: [pwsh, '-NoLogo', '-NoProfile', '-NonInteractive', '-Command', script], env: startEnv });
    const [value, base] = await timePair(() => start(`. '${file}'; exit`, loadedEnv), () => start('exit', bareEnv), quick ? 3 : Math.min(RUNS, 20), quick ? 1 : 3);
    additiveRow('pwsh start, integration loaded', '`pwsh -NoProfile`', value, base, 150);

    // Both loops in one process, alternating, so that the JIT and the machine's load treat them alike.
    const loop = [
      "function global:prompt { 'PS> ' }",
      `. '${file}'`,
      '$env:AWSMFA_PROFILE = "doug"; $env:AWSMFA_EXPIRES_AT = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 2400)',
      '$bare = ${function:__awsmfa_user_prompt}; $with = ${function:prompt}',
      '$n = 1000; $timer = [Diagnostics.Stopwatch]::new(); $a = [Collections.Generic.List[double]]::new(); $b = [Collections.Generic.List[double]]::new()',
      'for ($round = 0; $round -lt 7; $round++) {',
      '  $timer.Restart(); for ($i = 0; $i -lt $n; $i++) { $null = & $with }; $a.Add($timer.Elapsed.TotalMilliseconds * 1000 / $n)',
      '  $timer.Restart(); for ($i = 0; $i -lt $n; $i++) { $null = & $bare }; $b.Add($timer.Elapsed.TotalMilliseconds * 1000 / $n)',
      '}',
      '$a.Sort(); $b.Sort(); "$($a[3]) $($b[3])"',
    ].join('\n');
    const { stdout } = await promisify(execFile)(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', loop], { env });
    const [withUs, bareUs] = stdout.trim().split(/\s+/).map(Number) as [number, number];
    const extra = withUs - bareUs;
    rows.push({ case: 'one prompt render, pwsh (median round of 1000)', floor: 'the prompt it wraps', value: `${withUs.toFixed(1)} µs`, floorValue: `${bareUs.toFixed(1)} µs`, measured: extra, target: '+ ≤ 500 µs', met: extra <= 500 });
    console.error(`pwsh prompt: +${extra.toFixed(1)} µs (${withUs.toFixed(1)} vs ${bareUs.toFixed(1)})`);
  } finally {
    await world.close();
  }
}

/** `awsmfa list` with 5,000 profiles against 10, the files settled as for `env` (src/report/listing-cache.ts). */
async function manyProfilesListing(): Promise<void> {
  const small = await cachedWorld(10);
  const large = await cachedWorld(5000);
  try {
    await settled(large);
    const [value, base] = await timePair(() => cli(['list'], large.env), () => cli(['list'], small.env), RUNS, WARMUP);
    ratioRow('`awsmfa list`, 5,000 profiles in config', 'with 10 profiles', value, base, 2);
    await firstRunAfterChange(large, ['list'], 'listing-', small, 'same, the first run after the config changed (parses it whole, keeps its listing)');
  } finally {
    await small.close();
    await large.close();
  }
}

async function write(): Promise<void> {
  const outDir = quick ? await mkdtemp(join(tmpdir(), 'awsmfa-bench-')) : join(ROOT, 'docs');
  // A partial run (--only) keeps the full table and writes beside it.
  const base = only === undefined ? 'benchmarks' : `benchmarks-${only.join('-')}`;
  await mkdir(outDir, { recursive: true });
  const machine = `${(await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU'}, Node ${process.version}`;
  const lines = [
    '# Benchmarks',
    '',
    `Made by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${machine}); ${RUNS} measured runs per case after ${WARMUP} warm-up runs (${NETWORK_RUNS} for cases that make a new session), each case alternating with its floor.`,
    'Figures are medians, with the 10th and 90th percentiles.',
    '',
    '| case | floor / peer | awsmfa | floor / peer | measured | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.case} | ${r.floor} | ${r.value} | ${r.floorValue} | ${Number.isNaN(r.measured) ? '—' : `${r.measured.toFixed(2)}${r.unit !== undefined ? r.unit : r.target.includes('ms') ? ' ms' : r.target.includes('µs') ? ' µs' : r.target.includes('process') ? '' : '×'}`} | ${r.target} | ${r.met === null ? `— (${r.note})` : r.met ? 'yes' : `no${r.note ? ` (${r.note})` : ''}`} |`),
    '',
  ];
  // What the figures do not say themselves (the misses and what was tried) is kept beside this script.
  const notes = await readFile(join(ROOT, 'test', 'bench', 'notes.md'), 'utf8').catch(() => '');
  await writeFile(join(outDir, `${base}.md`), `${lines.join('\n')}${only === undefined && notes ? `\n${notes}` : ''}`);
  await writeFile(join(outDir, `${base}.json`), `${JSON.stringify({ machine, runs: RUNS, warmup: WARMUP, rows }, null, 2)}\n`);
  // The chart is drawn from the tables in the folder, this run's and the other one it may sit beside.
  await drawFromDocs(outDir);
  console.log(lines.join('\n'));
  console.error(`written to ${outDir}`);
  if (quick) await rm(outDir, { recursive: true, force: true });
}

const integration = async () => {
  rows.push(...(await integrationBenchmarks({ runs: RUNS, warmup: WARMUP, quick, fmt })));
};
const cases = { cachedEnv, manyProfiles, coldSessions, promptCost, pwshCost, manyProfilesListing, integration };
for (const [name, run] of Object.entries(cases)) if (only === undefined || only.includes(name)) await run();
// The integration's cases alone are written beside the full table, to docs/benchmarks-integration.md.
if (only === undefined || only.join(',') === 'integration') await write();
else console.log(rows.map((r) => `${r.case}: ${r.value} against ${r.floorValue} = ${r.measured.toFixed(2)} (target ${r.target})`).join('\n'));
