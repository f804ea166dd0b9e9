/**
 * `npm run record`: docs/demo.svg, a real terminal session of awsmfa, and docs/prompts.svg, the same
 * prompt in bash, zsh, fish and PowerShell side by side.
 *
 * The session is the demo's throwaway world (the loopback STS emulator, a fresh HOME) and a real zsh
 * with the integration in a tmux pane that this script types into, key by key. The pane's screen is
 * kept after every keystroke and every command (an asciicast of whole-screen frames, docs/demo.cast),
 * then drawn as an animated SVG by svg-term. So that a re-recording does not churn the files, the
 * frames are put on a fixed schedule rather than on this machine's timing, HOME sits at a fixed path,
 * and the recorded programs run under libfaketime with the wall clock standing at one fixed morning,
 * so the times awsmfa prints are the same every time.
 *
 *   npm run record                      writes docs/demo.svg, docs/prompts.svg and docs/demo.cast
 *   npm run record -- --quick --out D   the same into D, with shorter waits (CI's check)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { render } from 'svg-term';
import { currentDemoCode } from '../src/demo/code.js';
import { prepareShell } from '../src/demo/shells.js';
import { createDemoWorld, type DemoWorld } from '../src/demo/world.js';
import type { ShellName } from '../src/shell/index.js';
import { TmuxSession } from '../test/helpers/tmux.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 && args[outIndex + 1] !== undefined ? resolve(args[outIndex + 1]!) : join(root, 'docs');
const part = args.includes('--part') ? args[args.indexOf('--part') + 1] : undefined;

/** The wall clock of the recording: a Monday at 09:00 UTC, standing still. */
const RECORDING_TIME = '2026-01-05 09:00:00';
const FAKETIME_LIBRARY = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find(existsSync);
const WIDTH = 88;
/** Where the main recording's HOME lives: `status` prints the cache directory under it. */
const FIXED_ROOT = '/tmp/awsmfa-recording';
const HEIGHT = 24;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The environment every recorded program starts from: nothing of this machine's user but PATH. */
function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const dotnetTools = join(homedir(), '.dotnet', 'tools');
  return {
    PATH: [process.env.PATH ?? '/usr/bin:/bin', dotnetTools].join(':'),
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    TZ: 'UTC',
    // pyenv's shims (where the aws CLI may come from) find their versions through it.
    ...(process.env.PYENV_ROOT === undefined ? {} : { PYENV_ROOT: process.env.PYENV_ROOT }),
    TMPDIR: join(home, '..', 'tmp'),
    ...extra,
  };
}

const CLOCK_VARIABLES = ['LD_PRELOAD', 'FAKETIME', 'FAKETIME_DONT_FAKE_MONOTONIC', 'DONT_FAKE_MONOTONIC'];

/** The fixed clock's settings, for the programs the recorded shell runs. */
function fixedClock(): string[] {
  return CLOCK_VARIABLES.flatMap((name) => (process.env[name] === undefined ? [] : [`${name}=${process.env[name]}`]));
}

/** A fresh directory with a HOME in it: at `fixed` (replacing what a recording left there), else a new one. */
async function sandbox(fixed?: string): Promise<{ root: string; home: string; close(): Promise<void> }> {
  if (fixed !== undefined) await rm(fixed, { recursive: true, force: true });
  const dir = fixed ?? (await mkdtemp(join(tmpdir(), 'awsmfa-record-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  await mkdir(join(dir, 'tmp'), { recursive: true });
  return { root: dir, home, close: () => rm(dir, { recursive: true, force: true }) };
}

function demoWorld(env: Record<string, string>): Promise<DemoWorld> {
  const secretsLog = process.env.AWSMFA_EMULATOR_SECRETS_LOG;
  return createDemoWorld(env, { command: [process.execPath, join(root, 'dist', 'awsmfa.js')], ...(secretsLog ? { secretsLog } : {}) });
}

/** The environment of a demo shell, as `awsmfa demo` starts it, without the user's variables. */
function shellEnv(world: DemoWorld, base: Record<string, string>, launch: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(world.env)) if (value !== undefined && name in base === false && isDemoVariable(name)) env[name] = value;
  env.PATH = world.env.PATH ?? base.PATH!;
  return { ...env, ...launch };
}

function isDemoVariable(name: string): boolean {
  return name.startsWith('AWS') || name === 'XDG_CACHE_HOME';
}

/** A line of the screen that is a demo prompt: `(awsmfa demo) ~ #`, whatever the shell. */
const PROMPT = /\(awsmfa demo\) \S+ ?[#$%>] ?$/;
const lastLine = (screen: string) => screen.trimEnd().split('\n').at(-1) ?? '';

type CastEvent = [number, 'o', string];

/**
 * Drives a real terminal (a tmux pane) and keeps what it shows after every step: each keystroke once
 * its echo is on the screen, each command once its output has settled. A frame is the pane's whole
 * screen, with its colours and cursor, as tmux shows it; the frames are put on a fixed schedule
 * (`hold` seconds each), so a recording does not depend on how fast this machine was that day.
 */
class Recorder {
  private readonly events: CastEvent[] = [];
  private clock = 0;
  private previous = '';

  constructor(
    private readonly term: TmuxSession,
    private readonly height: number,
  ) {}

  /** Waits until the screen has not changed for a while and shows `pattern` on its last line. */
  async settle(pattern: RegExp = PROMPT): Promise<void> {
    let previous = '';
    let stableSince = performance.now();
    const deadline = performance.now() + 45_000;
    for (;;) {
      const screen = await this.term.screen();
      if (screen !== previous) {
        previous = screen;
        stableSince = performance.now();
      } else if (pattern.test(lastLine(screen)) && performance.now() - stableSince > (quick ? 150 : 300)) {
        return;
      }
      if (performance.now() > deadline) throw new Error(`the recorded terminal never settled on ${String(pattern)}; it shows:\n${screen}`);
      await sleep(30);
    }
  }

  /** The pane as it is now, as output that draws it on an empty terminal of the same size. */
  private async frame(): Promise<string> {
    const screen = await this.term.visible();
    const lines = screen.text.replace(/\n$/, '').split('\n').slice(0, this.height);
    return `\x1b[0m\x1b[H\x1b[2J${lines.join('\x1b[0m\r\n')}\x1b[0m\x1b[${screen.cursorY + 1};${screen.cursorX + 1}H`;
  }

  /** Adds the screen as it is now to the recording, shown for `hold` seconds. */
  async snap(hold: number): Promise<void> {
    const frame = await this.frame();
    if (frame !== this.previous) this.events.push([Number(this.clock.toFixed(3)), 'o', frame]);
    this.previous = frame;
    this.clock += hold;
  }

  /**
   * Sends one key and waits until the terminal shows it: the cursor moved on by one and what follows
   * the prompt starts with what was typed (fish may suggest more after the cursor).
   */
  private async key(text: string, base: { line: string; cursorX: number }, typed: string): Promise<void> {
    await this.term.type(text);
    const deadline = performance.now() + 15_000;
    for (;;) {
      const screen = await this.term.visible();
      const line = lastLine(screen.text.replace(/\x1b\[[0-9;]*m/g, ''));
      if (screen.cursorX === base.cursorX + typed.length && line.startsWith(base.line) && line.slice(base.line.length).trimStart().startsWith(typed.trim())) return;
      if (performance.now() > deadline) throw new Error(`the recorded terminal never echoed ${JSON.stringify(typed)}; it shows:\n${screen.text}`);
      await sleep(15);
    }
  }

  private async start(): Promise<{ line: string; cursorX: number }> {
    const screen = await this.term.visible();
    return { line: lastLine(screen.text.replace(/\x1b\[[0-9;]*m/g, '')), cursorX: screen.cursorX };
  }

  /** Types a command line key by key, presses Enter, and waits for `until` on the last line. */
  async command(line: string, hold: number, until: RegExp = PROMPT): Promise<void> {
    const base = await this.start();
    for (let i = 0; i < line.length; i++) {
      await this.key(line[i]!, base, line.slice(0, i + 1));
      await this.snap(0.055);
    }
    await this.term.type('', 'Enter');
    await this.settle(until);
    await this.snap(hold);
  }

  /** Types an MFA code at the hidden prompt, where each digit shows as a star. */
  async code(code: string, hold: number): Promise<void> {
    const base = await this.start();
    for (let i = 0; i < code.length; i++) {
      await this.key(code[i]!, base, '*'.repeat(i + 1));
      await this.snap(0.09);
    }
    await this.term.type('', 'Enter');
    await this.settle();
    await this.snap(hold);
  }

  /** The recording as an asciicast (v2), ending on its last frame. */
  cast(width: number): string {
    const header = { version: 2, width, height: this.height };
    const events: CastEvent[] = [...this.events, [Number(this.clock.toFixed(3)), 'o', '']];
    return [JSON.stringify(header), ...events.map((event) => JSON.stringify(event))].join('\n') + '\n';
  }
}

/**
 * The main recording: a fresh HOME, the demo's world, zsh with the integration, and the whole flow.
 * HOME and the cache sit at one fixed path so that what `status` prints is the same every time.
 */
async function recordSession(): Promise<string> {
  const box = await sandbox(quick ? undefined : FIXED_ROOT);
  const world = await demoWorld(cleanEnv(box.home));
  let term: TmuxSession | undefined;
  try {
    const launch = await prepareShell('zsh', world.dir);
    const env = { ...shellEnv(world, cleanEnv(box.home), launch.env), XDG_CACHE_HOME: join(box.home, '.cache') };
    term = await TmuxSession.start(['env', ...fixedClock(), launch.program, ...launch.args], { env, cwd: box.home, width: WIDTH, height: HEIGHT });
    const recorder = new Recorder(term, HEIGHT);
    await recorder.settle();
    await recorder.snap(0.6);
    // The clock stands still, so the demo device's codes are this step's and the next one's.
    const now = Date.now() / 1000;
    const codes = [currentDemoCode(world.record, now), currentDemoCode(world.record, now + 30)];

    await recorder.command('awsmfa use demo', 1.0, /: ?$/);
    await recorder.code(codes[0]!, 2.2);
    if (await awsReachesEmulator(world, env)) await recorder.command('aws sts get-caller-identity', 2.6);
    await recorder.command('awsmfa use demo-admin', 2.4);
    await recorder.command('awsmfa status', 3.6);
    await recorder.command('awsmfa clear demo', 1.2);
    await recorder.command('awsmfa use demo --duration 900', 1.0, /: ?$/);
    await recorder.code(codes[1]!, 2.4);
    await recorder.command('awsmfa unset', 2.8);
    return recorder.cast(WIDTH);
  } finally {
    await term?.close();
    await world.close();
    await box.close();
  }
}

/** Whether this machine's `aws` CLI follows AWS_ENDPOINT_URL_STS to the emulator (2.13 and later do). */
async function awsReachesEmulator(world: DemoWorld, env: Record<string, string>): Promise<boolean> {
  const before = world.emulator.calls.length;
  // Asynchronously: the emulator that must answer runs in this process.
  await new Promise<void>((done) => {
    const probe = spawn('aws', ['sts', 'get-caller-identity', '--cli-connect-timeout', '2', '--cli-read-timeout', '2'], {
      env: { ...env, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEPROBE0000', AWS_SECRET_ACCESS_KEY: 'probe', AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1' },
      stdio: 'ignore',
      timeout: 20_000,
    });
    probe.on('error', () => done());
    probe.on('close', () => done());
  });
  return world.emulator.calls.length > before;
}

const SHELLS: readonly { shell: ShellName; program: string; version: string[] }[] = [
  { shell: 'bash', program: 'bash', version: ['-c', 'echo "bash ${BASH_VERSION%%(*}"'] },
  { shell: 'zsh', program: 'zsh', version: ['-c', 'echo "zsh $ZSH_VERSION"'] },
  { shell: 'fish', program: 'fish', version: ['-c', 'echo "fish $version"'] },
  { shell: 'pwsh', program: 'pwsh', version: ['-NoProfile', '-Command', '"PowerShell $($PSVersionTable.PSVersion)"'] },
];

const visibleLength = (line: string) => [...line.replace(/\x1b\[[0-9;]*m/g, '')].length;

/**
 * The prompt in each shell after `awsmfa use demo`: the first shell asks for the code, the others
 * reuse the cached session. Each pane is a real terminal's screen with its colours; the four
 * are laid out two by two as one still frame.
 */
async function recordPrompts(): Promise<string> {
  const box = await sandbox();
  const world = await demoWorld(cleanEnv(box.home));
  const paneWidth = Math.floor((WIDTH - 1) / 2);
  const panes: string[][] = [];
  try {
    for (const { shell, program, version } of SHELLS) {
      const which = spawnSync(program, version, { env: cleanEnv(box.home), encoding: 'utf8', timeout: 30_000 });
      if (which.status !== 0) {
        panes.push([`${shell}: not installed here`]);
        continue;
      }
      const launch = await prepareShell(shell, world.dir);
      // In / rather than the random HOME: every shell shows the same short path.
      const term = await TmuxSession.start([launch.program, ...launch.args], { env: shellEnv(world, cleanEnv(box.home), launch.env), cwd: '/', width: paneWidth, height: 8 });
      try {
        const recorder = new Recorder(term, 8);
        await recorder.settle();
        await recorder.command('awsmfa use demo', 0, /(: ?|[#$%>] ?)$/);
        if (!PROMPT.test(lastLine(await term.screen()))) await recorder.code(currentDemoCode(world.record, Date.now() / 1000), 0);
        await recorder.command('clear', 0);
        const screen = (await term.visible()).text.replace(/\s+$/, '').split('\n');
        panes.push([which.stdout.trim(), ...screen]);
      } finally {
        await term.close();
      }
    }
  } finally {
    await world.close();
    await box.close();
  }
  const paneHeight = Math.max(...panes.map((pane) => pane.length));
  const pad = (line: string) => line + ' '.repeat(Math.max(0, paneWidth - visibleLength(line)));
  const block = (lines: string[]) => Array.from({ length: paneHeight }, (_, i) => pad(i === 0 ? `\x1b[1m${lines[0] ?? ''}\x1b[0m` : (lines[i] ?? '')));
  const rows: string[] = [];
  for (let pair = 0; pair < panes.length; pair += 2) {
    const left = block(panes[pair]!);
    const right = block(panes[pair + 1] ?? []);
    if (pair > 0) rows.push(`${'─'.repeat(paneWidth)}┼${'─'.repeat(paneWidth)}`);
    left.forEach((line, i) => rows.push(`${line}\x1b[0m│${right[i]}\x1b[0m`));
  }
  const header = { version: 2, width: paneWidth * 2 + 1, height: rows.length };
  return `${JSON.stringify(header)}\n${JSON.stringify([0, 'o', rows.join('\r\n')])}\n${JSON.stringify([0.5, 'o', ''])}\n`;
}

/** Runs one part of the recording in a child process: the session under the fixed clock, the prompts on the real one. */
function runPart(name: 'session' | 'prompts', env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--part', name], { env, stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', (status) => (status === 0 ? done() : fail(new Error(`recording the ${name} failed (status ${status})`))));
  });
}

const svgOptions = { paddingX: 8, paddingY: 8, window: true, cursor: true } as const;

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  if (part === 'session') {
    const cast = await recordSession();
    await writeFile(join(outDir, 'demo.cast'), cast);
    await writeFile(join(outDir, 'demo.svg'), render(cast, svgOptions));
    return;
  }
  if (part === 'prompts') {
    const cast = await recordPrompts();
    await writeFile(join(outDir, 'prompts.svg'), render(cast, { ...svgOptions, cursor: false, at: 100 }));
    return;
  }
  for (const tool of ['tmux', 'zsh']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) throw new Error(`${tool} is needed to record (apt-get install ${tool})`);
  }
  const sessionEnv: NodeJS.ProcessEnv = { ...process.env };
  if (FAKETIME_LIBRARY === undefined) {
    console.error('record: libfaketime is not installed (apt-get install faketime): recording on the real clock, so the times shown will differ');
  } else {
    // The wall clock stands still at one moment for the emulator and every program in the recorded
    // shell, so they agree with each other (and on the TOTP codes) and print the same times each
    // recording; the monotonic clock stays real, so that timers run as usual. (The prompts' still
    // runs on the real clock: bash reads its clock past libfaketime, and shows only time left.)
    Object.assign(sessionEnv, { LD_PRELOAD: FAKETIME_LIBRARY, FAKETIME: RECORDING_TIME, FAKETIME_DONT_FAKE_MONOTONIC: '1', DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' });
  }
  await runPart('session', sessionEnv);
  await runPart('prompts', process.env);
  console.error(`record: wrote ${join(outDir, 'demo.svg')} and ${join(outDir, 'prompts.svg')}`);
}

await main();
