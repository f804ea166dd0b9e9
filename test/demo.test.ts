/**
 * `awsmfa demo`, as a newcomer meets it. Without a terminal it runs the whole flow by itself and
 * prints it; in a terminal (a tmux pseudo-terminal here) it starts a shell in which `awsmfa use demo`
 * with the code from `awsmfa demo code` in "another terminal" works, the prompt shows the session, and
 * `exit` leaves no process and no file behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { awsmfa, CLI, runProgram } from './helpers/fixture.js';
import { q } from './helpers/reports.js';

interface Sandbox {
  readonly root: string;
  readonly tmp: string;
  readonly env: Record<string, string>;
  demoDirs(): Promise<string[]>;
  close(): Promise<void>;
}

/** A HOME and a TMPDIR of the test's own, so that "nothing left behind" can be checked exactly. */
async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'awsmfa-demo-test-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(root, 'home'),
    TMPDIR: join(root, 'tmp'),
    LANG: 'C.UTF-8',
    TERM: 'xterm',
    NO_COLOR: '1',
  };
  const { mkdir } = await import('node:fs/promises');
  await mkdir(env.HOME, { recursive: true });
  await mkdir(env.TMPDIR, { recursive: true });
  return {
    root,
    tmp: env.TMPDIR,
    env,
    demoDirs: async () => (await readdir(env.TMPDIR)).filter((name) => name.startsWith('awsmfa-demo-')),
    close: () => rm(root, { recursive: true, force: true }),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('without a terminal, the demo runs the whole flow, prints it with secrets masked, and cleans up', async () => {
  const box = await sandbox();
  try {
    const result = await awsmfa(['demo'], { env: box.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const out = result.stdout;
    assert.match(out, /\$ awsmfa demo code {3}# the MFA app of the demo user\n(\d{6})\n/);
    const code = /\n(\d{6})\n/.exec(out)![1]!;
    assert.match(out, new RegExp(`\\$ eval "\\$\\(awsmfa env demo --token-code ${code}\\)"\\nawsmfa: demo: session until .*\\((?:12h|11h 59m) left\\)`));
    assert.match(out, /AWS_ACCESS_KEY_ID=ASIA[A-Z0-9]{16}\n/);
    assert.match(out, /AWS_SECRET_ACCESS_KEY=.{4}\.\.\. \(40 characters, masked\)\n/);
    assert.match(out, /AWS_SESSION_TOKEN=.{4}\.\.\. \(\d+ characters, masked\)\n/);
    assert.match(out, /AWSMFA_PROFILE=demo\n/);
    assert.match(out, /account 123456789012, arn:aws:iam::123456789012:user\/demo, confirmed by AWS/, 'GetCallerIdentity with the exported keys');
    assert.match(out, /awsmfa: demo: cached session until/, 'the second env reuses the cache');
    assert.match(out, /awsmfa: demo-admin: session until/);
    assert.match(out, /arn:aws:sts::123456789012:assumed-role\/demo-admin\/awsmfa-demo, confirmed by AWS/);
    assert.match(out, /\$ eval "\$\(awsmfa unset\)"\nawsmfa: demo-admin: removed; the earlier AWS_\* variables are back\n[^]*\(no AWS variables\)\n/);
    assert.match(out, /\$ awsmfa exec demo-admin -- awsmfa status .*\nThis shell: demo-admin, /, 'exec: the role in one command');
    assert.match(out, /The demo is over/);
    assert.equal(result.stderr, '', 'the transcript is all on stdout');
    assert.deepEqual(await box.demoDirs(), []);
  } finally {
    await box.close();
  }
});

test('demo code with no demo running says how to start one', async () => {
  const box = await sandbox();
  try {
    const result = await awsmfa(['demo', 'code'], { env: box.env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /no awsmfa demo is running \(looked in .*\/tmp\)\n {2}Start one with `awsmfa demo`/);
  } finally {
    await box.close();
  }
});

/** A tmux server of this test's own (its own socket), driven like a person at a terminal. */
class Terminal {
  private constructor(private readonly socket: string, private readonly env: Record<string, string>) {}

  static async start(socket: string, env: Record<string, string>, command: string): Promise<Terminal> {
    const terminal = new Terminal(socket, env);
    await terminal.tmux(['new-session', '-d', '-x', '200', '-y', '50', command]);
    return terminal;
  }

  async tmux(args: string[]): Promise<string> {
    const result = await runProgram('tmux', ['-S', this.socket, ...args], { env: this.env });
    if (result.code !== 0) throw new Error(`tmux ${args[0]}: ${result.stderr}`);
    return result.stdout;
  }

  screen(): Promise<string> {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-200']);
  }

  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-l', text]);
    await this.tmux(['send-keys', 'Enter']);
  }

  /** Waits until the screen matches, counting matches so that an earlier one does not count again. */
  async waitFor(pattern: RegExp, times = 1, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
    for (;;) {
      const screen = await this.screen();
      if ((screen.match(global)?.length ?? 0) >= times) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} (x${times}); the screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await runProgram('tmux', ['-S', this.socket, 'kill-server'], { env: this.env }).catch(() => undefined);
  }
}

const tmuxAvailable = await new Promise<boolean>((resolve) => {
  const child = spawn('tmux', ['-V'], { stdio: 'ignore' });
  child.on('error', () => resolve(false));
  child.on('close', (code) => resolve(code === 0));
});

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  const full = shell === 'bash';
  test(`the interactive demo in ${shell}, in a pseudo-terminal: ${full ? 'start, use, the prompt, status, a role, unset, exit' : 'start, use, unset, exit'}; nothing left behind`, { skip: tmuxAvailable ? false : 'tmux is not installed' }, async () => {
    const available = await runProgram(shell, ['-c', 'exit 0'], { env: { PATH: process.env.PATH ?? '' } }).catch(() => undefined);
    if (available?.code !== 0) return;
    const box = await sandbox();
    const envWords = Object.entries(box.env).map(([name, value]) => q(`${name}=${value}`)).join(' ');
    const command = `env -i ${envWords} ${q(process.execPath)} ${q(CLI)} demo --shell ${shell}; echo "DEMO-EXIT=$?"; sleep 600`;
    const terminal = await Terminal.start(join(box.root, 'tmux.sock'), box.env, command);
    try {
      await terminal.waitFor(/\(awsmfa demo\) .*[#$>] ?$/m);
      const [dir] = await box.demoDirs();
      if (dir === undefined) assert.fail('the demo directory exists while the demo runs');
      const record = JSON.parse(await readFile(join(box.tmp, dir, 'demo.json'), 'utf8')) as { pid: number; endpoint: string };

      await terminal.type('awsmfa use demo');
      await terminal.waitFor(/MFA code for arn:aws:iam::123456789012:mfa\/demo: $/m);
      // The code, from "another terminal": found through the demo directory, not the demo shell's environment.
      const code = await awsmfa(['demo', 'code'], { env: box.env });
      assert.equal(code.code, 0, code.stderr);
      assert.match(code.stdout, /^\d{6}\n$/);
      await terminal.type(code.stdout.trim());
      await terminal.waitFor(/awsmfa: demo: session until .*\((?:12h|11h 59m) left\)/);
      await terminal.type('echo "P=$AWSMFA_PROFILE"');
      let screen = await terminal.waitFor(/^P=demo$/m);
      assert.match(screen, /\[demo[ \]]/, 'the prompt shows the session');
      assert.ok(!screen.includes(code.stdout.trim() + '\n'), 'the code was not echoed');

      if (full) {
        await terminal.type('awsmfa status');
        await terminal.waitFor(/This shell: demo, (?:12h|11h 59m) left/);
        await terminal.type('awsmfa use demo-admin');
        screen = await terminal.waitFor(/awsmfa: demo-admin: session until/);
        assert.equal(screen.match(/MFA code for/g)?.length, 1, 'the role needed no second code');
        await terminal.type('echo "P=$AWSMFA_PROFILE"');
        await terminal.waitFor(/^P=demo-admin$/m);
      }

      await terminal.type('awsmfa unset');
      await terminal.waitFor(/removed; the earlier AWS_\* variables are back/);
      await terminal.type('printenv AWS_ACCESS_KEY_ID || echo K=none');
      await terminal.waitFor(/^K=none$/m);
      await terminal.type('exit');
      screen = await terminal.waitFor(/^DEMO-EXIT=0$/m);
      assert.match(screen, /awsmfa: demo over: the emulator is stopped and its files are removed/);

      assert.deepEqual(await box.demoDirs(), [], 'the demo directory is gone');
      assert.equal(alive(record.pid), false, 'the demo process has ended');
      assert.equal(await refusesConnections(record.endpoint), true, 'the emulator is closed');
    } finally {
      await terminal.close();
      await box.close();
    }
  });
}

test('the PowerShell demo profile, in the real engine: `awsmfa use` and `unset` apply, with the integration and without it', async (t) => {
  const { pwshAvailable, runPwsh, PWSH_UNAVAILABLE } = await import('./helpers/pwsh.js');
  if (!(await pwshAvailable())) return t.skip(PWSH_UNAVAILABLE);
  const { prepareShell } = await import('../src/demo/shells.js');
  const { createWorld } = await import('./helpers/fixture.js');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const world = await createWorld();
  const box = await sandbox();
  try {
    for (const withInit of [true, false]) {
      const dir = join(box.root, withInit ? 'with-init' : 'without-init');
      await mkdir(join(dir, 'bin'), { recursive: true });
      // Without the integration: an awsmfa whose `init` fails, so that the profile's stand-in wrapper is used.
      await writeFile(join(dir, 'bin', 'awsmfa'), `#!/bin/sh\n${withInit ? '' : '[ "$1" = init ] && exit 1\n'}exec ${q(process.execPath)} ${q(CLI)} "$@"\n`, { mode: 0o755 });
      await prepareShell('pwsh', dir);
      const profile = await readFile(join(dir, 'profile.ps1'), 'utf8');
      const result = await runPwsh(`${profile}\nawsmfa use doug --token-code ${world.code()}\n"P=$env:AWSMFA_PROFILE"\nprompt\nawsmfa unset\n"P=$env:AWSMFA_PROFILE"`, {
        env: { ...world.env, PATH: `${join(dir, 'bin')}:${world.env.PATH}` },
      });
      assert.deepEqual(result.errors, [], withInit ? 'with init' : 'without init');
      assert.equal(result.output[0], 'P=doug');
      assert.match(result.output[1] ?? '', /^\[doug[ \]].*\(awsmfa demo\) /);
      assert.equal(result.output[2], 'P=');
    }
  } finally {
    await box.close();
    await world.close();
  }
});
