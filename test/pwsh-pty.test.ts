/**
 * PowerShell as a person meets it: an interactive pwsh (with PSReadLine, as it loads itself in a
 * terminal) in a real pseudo-terminal (tmux), with a prompt of its own that reads $?. The integration
 * is dot-sourced twice, as a re-read $PROFILE would be; the MFA code is typed at the hidden prompt,
 * Ctrl-C is pressed there, the countdown is read off the screen with its colours, and Tab and
 * MenuComplete go through PSReadLine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quotePwsh } from '../src/shell/pwsh.js';
import { createWorld } from './helpers/fixture.js';
import { initFile, requireTmux } from './helpers/integration.js';
import { PWSH_QUIET, PWSH_UNAVAILABLE, pwshPath } from './helpers/pwsh.js';
import { TmuxSession } from './helpers/tmux.js';

/** Colour codes, for reading the text of a screen. */
const SGR = /\x1b\[[0-9;]*m/g;

/** The user's prompt: `#N ok=$? > `, N counting its runs. */
const USER_PROMPT = 'function global:prompt { $ok = $?; $global:__user_n++; "#$($global:__user_n) ok=$ok > " }';

test('pwsh in a terminal: use with the code typed at the hidden prompt, Ctrl-C there, the countdown, &&, aliases, Tab and MenuComplete', async (t) => {
  const pwsh = await pwshPath();
  if (pwsh === undefined) return t.skip(PWSH_UNAVAILABLE);
  if (!(await requireTmux(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = await initFile('pwsh', world.env, world.home);
  // NO_COLOR (which the world sets for awsmfa's messages) would turn the prompt's colours off too.
  const { NO_COLOR: _noColor, ...env } = world.env;
  const term = await TmuxSession.start([pwsh, '-NoLogo', '-NoProfile'], { env: { ...env, ...PWSH_QUIET }, cwd: world.home, width: 200 });
  t.after(() => term.close());

  let count = 0;
  /** Types a line and returns the next prompt: what is drawn before `#N ok=… > `, and $?. */
  const run = async (line: string, timeoutMs = 30_000) => {
    count += 1;
    await term.type(line, 'Enter');
    const prompt = new RegExp(`^(.*)#${count} ok=(True|False) >\\s*$`, 'm');
    const screen = await term.waitFor(prompt, { escapes: true, timeoutMs });
    const match = prompt.exec(screen)!;
    // tmux draws the end of a colour as \e[39m, and PSReadLine ends its own colours around the prompt:
    // those carry nothing, the colours that start something are kept.
    return { before: match[1]!.replace(/\x1b\[39m/g, ''), ok: match[2] === 'True', screen, plain: screen.replace(SGR, '') };
  };
  /** Clears the line being edited without running it (PSReadLine's Emacs keys, its default here). */
  const clearLine = () => term.type('', 'C-a', 'C-k');

  // pwsh takes a few seconds to start on a loaded machine.
  await term.waitFor(/PS .*> ?$/m, { timeoutMs: 60_000 });
  let prompt = await run(USER_PROMPT);
  prompt = await run(`. ${quotePwsh(init)}; . ${quotePwsh(init)}`);
  assert.equal(prompt.before, '', 'no session, no indicator');
  assert.ok(prompt.ok);

  // Tab before anything else of awsmfa has run: its code is compiled, and its completer registered, then.
  await term.type('awsmfa use do', 'Tab');
  await term.waitFor(/ok=True > awsmfa use doug\s*$/m);
  await clearLine();

  // The code typed at the hidden prompt: not echoed, and the session in the prompt, yellow near its end.
  const code = world.code();
  count += 1;
  await term.type('awsmfa use doug --duration 900', 'Enter');
  await term.waitFor(/MFA code for arn:aws:iam::\d+:mfa\/\S+: $/m);
  await term.type(code, 'Enter');
  let screen = await term.waitFor(new RegExp(`#${count} ok=True > \\s*$`, 'm'), { escapes: true });
  assert.ok(!screen.includes(code), 'the code is not echoed');
  assert.match(screen, new RegExp(`^\\x1b\\[33m\\[doug 1[45]m\\] (\\x1b\\[39m)+#${count} ok=True > `, 'm'), JSON.stringify(screen.slice(-400)));

  // The countdown is recomputed at each prompt; red once expired.
  prompt = await run('$env:AWSMFA_EXPIRES_AT = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + 7530)');
  assert.match(prompt.before, /^\[doug 2h[45]m\] $/, JSON.stringify(prompt.before));
  prompt = await run('$env:AWSMFA_EXPIRES_AT = [string]([DateTimeOffset]::UtcNow.ToUnixTimeSeconds() - 5)');
  assert.equal(prompt.before, '\x1b[31m[doug expired] ');

  // A failure stops && and reaches $?; the session stays as it was.
  prompt = await run(`awsmfa use dgu && 'NEXT'`);
  assert.equal(prompt.ok, false);
  assert.ok(!/^NEXT$/m.test(prompt.plain), 'the right side of && did not run');
  assert.match(prompt.plain, /^awsmfa: exited with status 1 \(see the message above\)$/m);
  assert.match(prompt.before, /\[doug expired\]/);

  // Ctrl-C at the hidden prompt: no session change, pwsh goes on, the next prompt says it failed.
  count += 1;
  await term.type('awsmfa use doug --force', 'Enter');
  await term.waitFor(/MFA code for arn:aws:iam::\d+:mfa\/\S+: $/m);
  await term.type('12', 'C-c');
  screen = await term.waitFor(new RegExp(`#${count} ok=(True|False) > \\s*$`, 'm'), { escapes: true });
  assert.match(screen, new RegExp(`#${count} ok=False > `), screen);
  prompt = await run('"session=$env:AWSMFA_PROFILE"');
  assert.match(prompt.plain, /^session=doug$/m, 'the session before Ctrl-C is still there');

  // An alias: the 15-minute session of doug is in the cache, so no code is asked.
  prompt = await run('awsmfa unset; aws-doug');
  assert.ok(prompt.ok, prompt.plain);
  assert.match(prompt.before, /^\x1b\[33m\[doug 1[345]m\] $/, JSON.stringify(prompt.before));
  assert.ok(!/MFA code/.test(prompt.plain.split('aws-doug').pop()!), 'no code asked');

  // Tab (Complete) through PSReadLine: a unique match is put on the line.
  await term.type('awsmfa env --sh', 'Tab');
  await term.waitFor(/ok=True > awsmfa env --shell\s*$/m);
  await clearLine();
  await term.type('awsmfa use do', 'Tab');
  await term.waitFor(/ok=True > awsmfa use doug\s*$/m);
  await clearLine();

  // MenuComplete, bound to Tab as many have it (its own Ctrl+Space does not reach pwsh through tmux),
  // shows every profile name, sorted, and for a single-dash word awsmfa's own flags, not PowerShell's
  // common parameters.
  prompt = await run('Set-PSReadLineKeyHandler -Chord Tab -Function MenuComplete');
  await term.type('awsmfa use ', 'Tab');
  screen = await term.waitFor(/admin\s+audit\s+default\s+doug\s+nomfa/m);
  await term.type('', 'Escape');
  await clearLine();
  await term.type('awsmfa env -', 'Tab');
  screen = await term.waitFor(/--duration\s+--force\s+--force-mfa\s+--help\s+--shell\s+--token-code\s+-c\s+-d\s+-f\s+-h/m);
  assert.ok(!screen.includes('-ErrorAction'), screen);
  await term.type('', 'Escape');
  await clearLine();

  prompt = await run('"still here"');
  assert.match(prompt.plain, /^still here$/m);
});
