/**
 * The prompt's colours at their edges, in each real shell: yellow from AWSMFA_PROMPT_WARN_SECONDS
 * (default 900) left down to the last second, red from the expiry itself. Each case is set relative to
 * the shell's own clock in the same run, so a loaded machine can only move it a second or two towards
 * expiry: the "just outside" cases keep a few seconds of room on that side, the "at the edge" cases
 * sit exactly on it and stay on the same side of it when time passes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { awsmfa } from './helpers/fixture.js';
import { requireShell, runShell } from './helpers/shells.js';

type Colour = 'red' | 'yellow' | 'none';

/** [seconds left when set, AWSMFA_PROMPT_WARN_SECONDS or undefined, colour, text matcher] */
const CASES: ReadonlyArray<readonly [left: number, warn: string | undefined, colour: Colour, text: RegExp]> = [
  [-5, undefined, 'red', /^\[doug expired\] $/],
  [0, undefined, 'red', /^\[doug expired\] $/],
  [5, undefined, 'yellow', /^\[doug [1-5]s\] $/],
  [900, undefined, 'yellow', /^\[doug 1[45]m\] $/],
  [905, undefined, 'none', /^\[doug 15m\] $/],
  [60, '60', 'yellow', /^\[doug (1m|59s|58s)\] $/],
  [65, '60', 'none', /^\[doug 1m\] $/],
  [600, 'soon', 'yellow', /^\[doug (10m|9m)\] $/],
];

/** Per shell: sets the session relative to the shell's clock, renders the prompt, prints `colour|text`. */
const RENDER = {
  bash: (left: number) =>
    [
      `export AWSMFA_PROFILE=doug AWSMFA_EXPIRES_AT=$((EPOCHSECONDS + ${left}))`,
      '__awsmfa_prompt_render',
      'case $__awsmfa_prompt_color in $\'\\e[31m\') c=red ;; $\'\\e[33m\') c=yellow ;; \'\') c=none ;; *) c=other ;; esac',
      'printf \'%s|%s\\n\' "$c" "$__awsmfa_prompt_text"',
    ].join('\n'),
  zsh: (left: number) =>
    [
      `export AWSMFA_PROFILE=doug AWSMFA_EXPIRES_AT=$((EPOCHSECONDS + ${left}))`,
      '__awsmfa_prompt_render',
      's=$__awsmfa_prompt_segment',
      'case $s in (*%F\\{red\\}*) c=red ;; (*%F\\{yellow\\}*) c=yellow ;; (*%F*) c=other ;; (*) c=none ;; esac',
      'printf \'%s|%s\\n\' "$c" "${(%)s}"',
    ].join('\n'),
  fish: (left: number) =>
    [
      `set -gx AWSMFA_PROFILE doug; set -gx AWSMFA_EXPIRES_AT (math (date +%s) + ${left})`,
      'set -l s (__awsmfa_prompt_segment | string collect)',
      'set -l c none',
      'string match -q -- "*"(set_color red)"*" "$s"; and set c red',
      'string match -q -- "*"(set_color yellow)"*" "$s"; and set c yellow',
      'printf \'%s|%s\\n\' $c "$s"',
    ].join('\n'),
} as const;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-prompt-edges-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  describe(`${shell}: the prompt's colour on both sides of each edge`, () => {
    for (const [left, warn, colour, text] of CASES) {
      test(`${left} s left${warn === undefined ? '' : `, AWSMFA_PROMPT_WARN_SECONDS=${warn}`}: ${colour}`, async (t) => {
        if (!(await requireShell(t, shell))) return;
        const init = await awsmfa(['init', shell], { env: { PATH: process.env.PATH ?? '', HOME: dir } });
        assert.equal(init.code, 0, init.stderr);
        const file = join(dir, `init-${shell}-${left}-${warn ?? ''}`);
        await writeFile(file, init.stdout);
        const env: Record<string, string> = { TERM: 'xterm-256color', ...(warn === undefined ? {} : { AWSMFA_PROMPT_WARN_SECONDS: warn }) };
        const run = await runShell(shell, `source '${file}'\n${RENDER[shell](left)}\n`, { env });
        assert.equal(run.code, 0, run.stderr);
        const [shown, rendered] = run.stdout.replace(/\n$/, '').split('\n').at(-1)!.split('|');
        assert.equal(shown, colour, run.stdout);
        // The text, without the escapes that colour it.
        assert.match(rendered!.replace(/\x1b(\[[0-9;]*m|\(B)/g, ''), text);
      });
    }
  });
}
