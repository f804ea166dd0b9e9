/**
 * How the demo starts each shell with the integration loaded and without the user's own startup files
 * (which may set AWS_PROFILE, keys, or an integration of an installed awsmfa). The integration comes
 * from `awsmfa init <shell>`; if that is unavailable, a minimal wrapper stands in for it, so that
 * `awsmfa use` and `awsmfa unset` still apply to the demo shell.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteFish } from '../shell/fish.js';
import type { ShellName } from '../shell/index.js';

export interface ShellLaunch {
  readonly program: string;
  readonly args: readonly string[];
  /** Variables the shell needs to find its startup file. */
  readonly env: Record<string, string>;
}

const posixWrapper = (shell: 'bash' | 'zsh') => `
  awsmfa() {
    case "$1" in
      use) shift; __awsmfa_code="$(command awsmfa env --shell ${shell} "$@")" && eval "$__awsmfa_code" ;;
      unset) __awsmfa_code="$(command awsmfa unset --shell ${shell})" && eval "$__awsmfa_code" ;;
      *) command awsmfa "$@" ;;
    esac
  }`;

const bashRc = `# The awsmfa demo shell: read instead of ~/.bashrc, removed when the demo ends.
PS1='(awsmfa demo) \\w \\$ '
if __awsmfa_init="$(command awsmfa init bash 2>/dev/null)" && [ -n "$__awsmfa_init" ]; then
  eval "$__awsmfa_init"
else
  PS1='\${AWSMFA_PROFILE:+[\$AWSMFA_PROFILE] }(awsmfa demo) \\w \\$ '${posixWrapper('bash')}
fi
unset __awsmfa_init
`;

const zshRc = `# The awsmfa demo shell: read instead of ~/.zshrc, removed when the demo ends.
PS1='(awsmfa demo) %~ %# '
if __awsmfa_init="$(command awsmfa init zsh 2>/dev/null)" && [ -n "$__awsmfa_init" ]; then
  eval "$__awsmfa_init"
else
  setopt prompt_subst
  PS1='\${AWSMFA_PROFILE:+[\${AWSMFA_PROFILE//\\%/%%}] }(awsmfa demo) %~ %# '${posixWrapper('zsh')}
fi
unset __awsmfa_init
`;

const fishRc = `# The awsmfa demo shell: read instead of config.fish, removed when the demo ends.
function fish_prompt
    echo -n '(awsmfa demo) '(prompt_pwd)' > '
end
set -l __awsmfa_init (command awsmfa init fish 2>/dev/null | string collect)
if test -n "$__awsmfa_init"
    printf '%s\\n' $__awsmfa_init | source
else
    function awsmfa
        switch "$argv[1]"
            case use
                set -l code (command awsmfa env --shell fish $argv[2..-1]); or return
                string join \\n -- $code | source
            case unset
                set -l code (command awsmfa unset --shell fish); or return
                string join \\n -- $code | source
            case '*'
                command awsmfa $argv
        end
    end
    function fish_prompt
        set -q AWSMFA_PROFILE; and echo -n "[$AWSMFA_PROFILE] "
        echo -n '(awsmfa demo) '(prompt_pwd)' > '
    end
end
`;

const pwshRc = `# The awsmfa demo shell: read instead of $PROFILE, removed when the demo ends.
function prompt { "(awsmfa demo) $($executionContext.SessionState.Path.CurrentLocation)> " }
$__awsmfaBin = @(Get-Command awsmfa -CommandType Application)[0].Source
$__awsmfaInit = & $__awsmfaBin init pwsh 2>$null
if ($LASTEXITCODE -eq 0 -and $__awsmfaInit) {
    $__awsmfaInit | Out-String | Invoke-Expression
} else {
    function awsmfa {
        if ($args.Count -gt 0 -and ($args[0] -eq 'use' -or $args[0] -eq 'unset')) {
            $rest = if ($args.Count -gt 1) { @($args[1..($args.Count - 1)]) } else { @() }
            $code = if ($args[0] -eq 'use') { & $__awsmfaBin env --shell pwsh @rest } else { & $__awsmfaBin unset --shell pwsh }
            if ($LASTEXITCODE -eq 0) { $code | Out-String | Invoke-Expression }
        } else {
            & $__awsmfaBin @args
        }
    }
    function prompt {
        $p = if ($env:AWSMFA_PROFILE) { "[$($env:AWSMFA_PROFILE)] " } else { '' }
        "$p(awsmfa demo) $($executionContext.SessionState.Path.CurrentLocation)> "
    }
}
`;

/** Writes the startup file for `shell` into the demo directory and says how to start it. */
export async function prepareShell(shell: ShellName, dir: string): Promise<ShellLaunch> {
  switch (shell) {
    case 'bash': {
      const rc = join(dir, 'bashrc');
      await writeFile(rc, bashRc, { mode: 0o600 });
      return { program: 'bash', args: ['--noprofile', '--rcfile', rc, '-i'], env: {} };
    }
    case 'zsh': {
      await writeFile(join(dir, '.zshrc'), zshRc, { mode: 0o600 });
      return { program: 'zsh', args: ['-i'], env: { ZDOTDIR: dir } };
    }
    case 'fish': {
      const rc = join(dir, 'config.fish');
      await writeFile(rc, fishRc, { mode: 0o600 });
      return { program: 'fish', args: ['--no-config', '--init-command', `source ${quoteFish(rc)}`, '-i'], env: {} };
    }
    case 'pwsh': {
      const rc = join(dir, 'profile.ps1');
      await writeFile(rc, pwshRc, { mode: 0o600 });
      return { program: 'pwsh', args: ['-NoLogo', '-NoProfile', '-NoExit', '-File', rc], env: {} };
    }
  }
}
