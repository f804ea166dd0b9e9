/**
 * botocore, the AWS CLI's reader of ~/.aws/config and credentials, as the reference the tests compare
 * awsmfa's reading with. One long-lived /usr/bin/python3 per test file answers many cases over stdin,
 * so thousands of cases take seconds rather than a Python start each.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./botocore-view.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

export interface BotocoreResolved {
  readonly accessKeyId?: string;
  readonly roles?: readonly { roleArn: string; mfaSerial: string | null }[];
  readonly error?: string;
}

export type BotocoreView =
  | { readonly error: string; readonly message: string }
  | {
      readonly profiles: Record<string, Record<string, string>>;
      readonly resolved: Record<string, BotocoreResolved | null>;
      readonly selected: string | null;
    };

/** Why botocore cannot be used here, or undefined when it can. */
export function botocoreMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import botocore'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'python3-botocore is not installed (apt-get install python3-botocore)';
}

export class Botocore {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor() {
    this.child = spawn(PYTHON, [SCRIPT], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', LC_ALL: 'C.UTF-8' } });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', () => {
      for (const waiter of this.waiting.splice(0)) waiter(JSON.stringify({ crash: `botocore-view exited: ${this.stderr}` }));
    });
  }

  /** botocore's view of the files that `env` (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME …) points at. */
  view(env: Record<string, string>, options: { resolve?: boolean } = {}): Promise<BotocoreView> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const answer = JSON.parse(line) as BotocoreView & { crash?: string };
        if (answer.crash !== undefined) reject(new Error(answer.crash));
        else resolve(answer);
      });
      this.child.stdin.write(`${JSON.stringify({ env, resolve: options.resolve ?? true })}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
