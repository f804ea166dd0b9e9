/**
 * Interactive shells in a real pseudo-terminal, through tmux: each session gets its own tmux server
 * (its own socket in a temporary directory), starts the program with exactly the environment given
 * (`env -i`), and is driven by keystrokes; what the terminal shows is read back with capture-pane.
 * Everything is asynchronous: the STS emulator answers from this same process.
 *
 *     const term = await TmuxSession.start(['bash', '--norc', '--noprofile', '-i'], { env });
 *     await term.type('echo hi', 'Enter');
 *     await term.waitFor(/^hi$/m);
 *     await term.close();
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

let tmuxCheck: Promise<boolean> | undefined;

/** Whether tmux is installed (it runs). */
export function tmuxAvailable(): Promise<boolean> {
  tmuxCheck ??= run('tmux', ['-V']).then(
    () => true,
    () => false,
  );
  return tmuxCheck;
}

export interface TmuxOptions {
  /** The program's whole environment (TERM is added unless given). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly width?: number;
  readonly height?: number;
}

export class TmuxSession {
  private constructor(
    private readonly dir: string,
    private readonly socket: string,
  ) {}

  static async start(argv: readonly string[], options: TmuxOptions): Promise<TmuxSession> {
    const dir = await mkdtemp(join(tmpdir(), 'awsmfa-tmux-'));
    const session = new TmuxSession(dir, join(dir, 'socket'));
    const env = { TERM: 'screen', ...options.env };
    const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`);
    try {
      await session.tmux(
        'new-session', '-d', '-s', 'test',
        '-x', String(options.width ?? 160), '-y', String(options.height ?? 40),
        ...(options.cwd === undefined ? [] : ['-c', options.cwd]),
        '--', 'env', '-i', ...assignments, ...argv,
      );
      // Keep the pane when the program exits, so a crash can still be read.
      await session.tmux('set-option', '-t', 'test', 'remain-on-exit', 'on');
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  private async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMUX_TMPDIR: this.dir },
      timeout: 10_000,
    });
    return stdout;
  }

  /** Types text literally; the names after it are keys (Enter, Tab, C-c, …). */
  async type(text: string, ...keys: string[]): Promise<void> {
    if (text !== '') await this.tmux('send-keys', '-t', 'test', '-l', '--', text);
    if (keys.length > 0) await this.tmux('send-keys', '-t', 'test', ...keys);
  }

  /** What the terminal shows; with escapes, with its colours as SGR sequences. */
  async screen(options: { escapes?: boolean } = {}): Promise<string> {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'test', ...(options.escapes ? ['-e'] : []), '-S', '-200');
  }

  /** Exactly the visible screen, with its colours, and where the cursor is (0-based). */
  async visible(): Promise<{ text: string; cursorX: number; cursorY: number }> {
    const text = await this.tmux('capture-pane', '-p', '-e', '-t', 'test');
    const [x, y] = (await this.tmux('display-message', '-p', '-t', 'test', '#{cursor_x} #{cursor_y}')).trim().split(' ').map(Number);
    return { text, cursorX: x ?? 0, cursorY: y ?? 0 };
  }

  /** Polls the screen until it matches, and returns it; rejects with the screen after the timeout. */
  async waitFor(pattern: RegExp | ((screen: string) => boolean), options: { escapes?: boolean; timeoutMs?: number } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    const matches = typeof pattern === 'function' ? pattern : (screen: string) => pattern.test(screen);
    let screen = '';
    for (;;) {
      screen = await this.screen(options);
      if (matches(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${String(pattern)}; it shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  }

  async close(): Promise<void> {
    await this.tmux('kill-server').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
