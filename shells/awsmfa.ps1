# awsmfa shell integration for PowerShell. Load it from your $PROFILE, after your prompt theme:
#
#     awsmfa init pwsh | Out-String | Invoke-Expression
#
# or dot-source the file install.sh writes. `awsmfa init` fills the __AWSMFA_*__ placeholders below.
#
#     awsmfa use <profile> [flags]   start a session in this shell (`awsmfa env` applied here)
#     awsmfa unset                   end it, restoring what was there before
#     awsmfa <anything else>         the awsmfa program itself
#
# Only language statements and .NET calls are used (no cmdlets), so it works in any host whatever
# modules it has loaded.

$global:__awsmfa_node = __AWSMFA_NODE__
$global:__awsmfa_script = __AWSMFA_SCRIPT__
$global:__awsmfa_want_prompt = __AWSMFA_PROMPT__
$global:__awsmfa_want_aliases = __AWSMFA_ALIASES__
$global:__awsmfa_alias_prefix = __AWSMFA_ALIAS_PREFIX__


# --- Start-up: only what must exist before the first command, prompt or Tab -----------------------
# PowerShell parses a whole script before running it, and compiles each function when it is first
# called: parsing the completion code and the helpers below took most of the integration's cost at
# every start. So they are kept as text (a here-string is one token to the parser) and compiled at the
# first use that needs them: the first `awsmfa`, Tab, or command not found that has the alias prefix.
$global:__awsmfa_loaded = $false
function global:__awsmfa_load {
    if ($global:__awsmfa_loaded) { return }
    $global:__awsmfa_loaded = $true
    . ([scriptblock]::Create($global:__awsmfa_deferred))
}

# The names the completer is registered for when the rest is compiled: awsmfa, and the wrappers'
# (`init --cmd`), this one's added to those an earlier load registered. Registering it costs pwsh's
# first cmdlet call, so it waits for the first use too: Tab and MenuComplete call TabExpansion2, which
# the completion script wraps (its wrapper is put on the line after this) to compile the rest first.
# A variable never set cannot be read by name under StrictMode (that is the first load), so it is read
# through PSVariable, which gives $null then. The names are kept as one line of words (a function name
# holds no space): PowerShell compiles code the first time a session uses a construct, and an array
# built by an `if` here, or a try/catch, cost a start more than the line. (Names an earlier load
# registered may come twice; registering a name again only replaces it.)
$previous = $ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_completion_names')
$global:__awsmfa_completion_names = "$previous awsmfa __AWSMFA_CMD__"
#AWSMFA-COMPLETION-START-UP

$global:__awsmfa_deferred = @'
# The completion script (shells/completion/awsmfa.ps1) is put on the next line by `awsmfa init`.
#AWSMFA-COMPLETION-SCRIPT

# `use` and `unset` change this session, which the program cannot do: its code is captured, and run
# only when the program succeeded, so that a failure leaves $LASTEXITCODE at its status and changes
# nothing else.
function global:__awsmfa_apply([string] $command, [object[]] $rest) {
    $code = & $global:__awsmfa_node $global:__awsmfa_script $command --shell pwsh @rest
    if ($LASTEXITCODE -ne 0) { return }
    . ([scriptblock]::Create(($code -join "`n")))
}

function global:__awsmfa_main {
    $first = $args[0]
    [object[]] $rest = if ($args.Count -gt 1) { $args[1..($args.Count - 1)] } else { @() }
    if ($first -ceq 'use') { __awsmfa_apply use $rest }
    elseif ($first -ceq 'unset') { __awsmfa_apply unset $rest }
    else { & $global:__awsmfa_node $global:__awsmfa_script @args }
}

# PowerShell's `&&`, `||` and `$?` see a function fail only when it is an advanced function that
# reports an error through its own $PSCmdlet.WriteError (Write-Error, `throw` or a native command's
# status inside it do not count), so the commands a user types are advanced functions and report the
# program's failure here. The error is non-terminating as a cmdlet's is: `||` runs, and
# $ErrorActionPreference = 'Stop' turns it into a terminating one. The program has already said why.
function global:__awsmfa_report($cmdlet) {
    if ($global:LASTEXITCODE -eq 0) { return }
    # PowerShell shows it after the command's name: `awsmfa: exited with status 1 (…)`.
    $message = "exited with status $global:LASTEXITCODE (see the message above)"
    $record = [System.Management.Automation.ErrorRecord]::new(
        [System.Exception]::new($message), 'AwsmfaFailed', [System.Management.Automation.ErrorCategory]::NotSpecified, $null)
    $cmdlet.WriteError($record)
}

# An advanced function's parameters include PowerShell's common ones, and it takes out of its
# arguments what it binds to them: `-d 900` would turn on -Debug, `-v` -Verbose. PowerShell also
# takes out a bare `--` (the end of its own parameters), but `awsmfa exec doug -- aws s3 ls` needs
# it. So the words are matched against the command line as typed, and each one PowerShell kept for
# itself is put back where the line had it. Arguments that are not on the line as such (a splatted
# array) cannot be matched; then the arguments are passed as PowerShell bound them.
function global:__awsmfa_command_line($invocation, [object[]] $bound) {
    $elements = $null
    try {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($invocation.Line, [ref] $null, [ref] $null)
        $call = $ast.Find({
                param($node)
                $node -is [System.Management.Automation.Language.CommandAst] -and $node.Extent.StartColumnNumber -eq $invocation.OffsetInLine
            }, $true)
        if ($call) { $elements = $call.CommandElements }
    }
    catch { }
    if (-not $elements) { return $bound }
    $words = [System.Collections.Generic.List[object]]::new()
    $next = 0
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $element = $elements[$i]
        if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
            $text = $element.Extent.Text
            $name = if ($element.Argument) { $text.Substring(0, $text.IndexOf(':') + 1) } else { $text }
            if ($next -lt $bound.Count -and $bound[$next] -is [string] -and $bound[$next] -ceq $name) {
                # Kept as an argument (with its `-x:value` value after it, as PowerShell splits it).
                $words.Add($bound[$next++])
                if ($element.Argument) {
                    if ($next -ge $bound.Count) { return $bound }
                    $words.Add($bound[$next++])
                }
            }
            else { $words.Add($text) }
            continue
        }
        if ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted) { return $bound }
        if ($next -ge $bound.Count) { return $bound }
        # A bare number reaches a function as a number (`063271` as 63271, `1e3` as 1000); the program
        # gets it as typed, as any native command would.
        if ($element -is [System.Management.Automation.Language.ConstantExpressionAst] -and $element.Value -isnot [string]) {
            $words.Add($element.Extent.Text)
            $next++
            continue
        }
        $words.Add($bound[$next++])
    }
    if ($next -ne $bound.Count) { return $bound }
    $words.ToArray()
}

# --- Aliases (resolved) -----------------------------------------------------------------------------------------
# `aws-doug` = `awsmfa use doug`, for every profile with mfa_serial or role_arn. PowerShell asks its
# CommandNotFoundAction only once it found no command, function, alias or program of a name, so an
# alias resolved there never hides anything; and nothing is defined at start, however many profiles
# there are. The alias is looked up in the profile index (in the completion code above) when the name
# is used, so it is the config as it is then. A handler that was set before keeps its turn.
function global:__awsmfa_run_quietly {
    $null = & $global:__awsmfa_node $global:__awsmfa_script @args 2>$null
}

function global:__awsmfa_alias_profile([string] $name) {
    $prefix = $global:__awsmfa_alias_prefix
    if (-not $name.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { return $null }
    $lines = __awsmfa_load_index $prefix -Strict
    if ($null -eq $lines) { return $null }
    # After the profile names and what Tab offers (see __awsmfa_read_index).
    $start = 12 + [int] $lines[11]
    for ($i = $start + 1 + 2 * [int] $lines[$start]; $i + 1 -lt $lines.Count; $i += 2) {
        if ($lines[$i] -ieq $name) { return $lines[$i + 1] }
    }
    return $null
}


# Makes $name, the name PowerShell found no command for, an alias when the index has it; $true then.
function global:__awsmfa_resolve_alias([string] $name, [System.Management.Automation.CommandLookupEventArgs] $lookup) {
    $profileName = __awsmfa_alias_profile $name
    if ($null -eq $profileName) { return $false }
    # Advanced, as the wrapper is, so that a failure reaches `&&`, `||` and `$?`.
    $lookup.CommandScriptBlock = {
        [CmdletBinding(PositionalBinding = $false)]
        param([Parameter(ValueFromRemainingArguments = $true)] [object[]] $Arguments, [switch] $e, [switch] $i, [switch] $o, [switch] $p, [switch] $w)
        [object[]] $bound = if ($PSBoundParameters.ContainsKey('Arguments')) { $Arguments } else { @() }
        [object[]] $words = __awsmfa_command_line $MyInvocation $bound
        __awsmfa_main use $profileName @words
        __awsmfa_report $PSCmdlet
    }.GetNewClosure()
    $lookup.StopSearch = $true
    return $true
}
'@

# -e, -i, -o, -p and -w would each abbreviate two common parameters, which PowerShell refuses before
# the function runs (`awsmfa policy -p doug`): as switches of their own they bind, and are put back
# from the command line like the others.
function global:__AWSMFA_CMD__ {
    [CmdletBinding(PositionalBinding = $false)]
    param([Parameter(ValueFromRemainingArguments = $true)] [object[]] $Arguments, [switch] $e, [switch] $i, [switch] $o, [switch] $p, [switch] $w)
    __awsmfa_load
    [object[]] $bound = if ($PSBoundParameters.ContainsKey('Arguments')) { $Arguments } else { @() }
    [object[]] $words = __awsmfa_command_line $MyInvocation $bound
    __awsmfa_main @words
    __awsmfa_report $PSCmdlet
}

# --- Prompt ------------------------------------------------------------------------------------------
# `[doug 41m] ` before the prompt, yellow when AWSMFA_PROMPT_WARN_SECONDS (default 900) or less are
# left, red once expired; nothing without a session. It starts no process; the profile name is
# returned as text, never evaluated.

function global:__awsmfa_prompt_segment {
    # Control characters (a section name can hold ESC) would retitle the window or clear the screen at
    # every prompt: each becomes a `?`.
    $profileName = $env:AWSMFA_PROFILE -replace '\p{Cc}', '?'
    if (-not $profileName) { return '' }
    $warn = 900
    if ($env:AWSMFA_PROMPT_WARN_SECONDS -match '^[0-9]+$') { $warn = [long] $env:AWSMFA_PROMPT_WARN_SECONDS }
    $text = ''
    $color = ''
    if ($env:AWSMFA_EXPIRES_AT -match '^[0-9]+$') {
        $left = [long] $env:AWSMFA_EXPIRES_AT - [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        if ($left -le 0) {
            $text = ' expired'
            $color = '31'
        }
        else {
            $days = [Math]::Floor($left / 86400)
            $hours = [Math]::Floor(($left % 86400) / 3600)
            $minutes = [Math]::Floor(($left % 3600) / 60)
            if ($days -gt 0) { $text = " ${days}d" + $(if ($hours -gt 0) { "${hours}h" } else { '' }) }
            elseif ($hours -gt 0) { $text = " ${hours}h" + $(if ($minutes -gt 0) { "${minutes}m" } else { '' }) }
            elseif ($minutes -gt 0) { $text = " ${minutes}m" }
            else { $text = " ${left}s" }
            if ($left -le $warn) { $color = '33' }
        }
    }
    $segment = '[' + $profileName + $text + '] '
    if ($color -and -not $env:NO_COLOR) {
        $escape = [char] 27
        $segment = "$escape[${color}m" + $segment + "$escape[0m"
    }
    $segment
}

# The prompt function there was is kept as __awsmfa_user_prompt. Without a session (a new shell, as a
# rule) it is called as it is, and sees $? and $LASTEXITCODE as the command before the prompt left
# them: the `if` between changes neither. With one, the indicator comes first (below). Only once:
# loading this again must not wrap the wrapper. PowerShell compiles a function at its first call, and
# each kind of statement the first time a session runs one, so the wrapper a new shell's first prompt
# compiles is kept to the one `if` (test/bench/notes.md has the counts).
if ($global:__awsmfa_want_prompt -and -not ${function:__awsmfa_user_prompt}) {
    ${function:global:__awsmfa_user_prompt} = if (${function:prompt}) { ${function:prompt} } else { { 'PS> ' } }
    function global:prompt {
        if ($env:AWSMFA_PROFILE) { __awsmfa_prompt_session } else { __awsmfa_user_prompt }
    }
}

# The indicator, then the prompt there was, with $LASTEXITCODE (and $?, where it was false) as the
# command before the prompt left them: $? is still the caller's at a function's first statement.
function global:__awsmfa_prompt_session {
    $succeeded = $global:?
    # Not set until a native command has run, and StrictMode stops a script that reads it then.
    $exitCode = $ExecutionContext.SessionState.PSVariable.GetValue('global:LASTEXITCODE')
    $segment = __awsmfa_prompt_segment
    $global:LASTEXITCODE = $exitCode
    # A prompt that reads $? first sees a failure as a failure: a caught exception sets it false.
    if (-not $succeeded) { try { [void][int]::Parse('awsmfa') } catch { } }
    $rest = __awsmfa_user_prompt
    $global:LASTEXITCODE = $exitCode
    $segment + (@($rest) -join '')
}

# --- Aliases -----------------------------------------------------------------------------------------
# `aws-doug` = `awsmfa use doug`, for every profile with mfa_serial or role_arn. PowerShell asks its
# CommandNotFoundAction only once it found no command, function, alias or program of a name, so an
# alias resolved there never hides anything; and nothing is defined at start, however many profiles
# there are. The alias is looked up in the profile index (in the completion code above) when the name
# is used, so it is the config as it is then. A handler that was set before keeps its turn.
# Under StrictMode a variable that was never set cannot be read by name: that is the first load.
$installed = $ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_not_found_installed')
if ($global:__awsmfa_want_aliases -and -not $installed) {
    $global:__awsmfa_not_found_installed = $true
    $global:__awsmfa_previous_not_found = $ExecutionContext.InvokeCommand.CommandNotFoundAction
    $ExecutionContext.InvokeCommand.CommandNotFoundAction = {
        param([string] $name, [System.Management.Automation.CommandLookupEventArgs] $lookup)
        # PowerShell also asks for `get-<name>` before giving up on <name>; only the name itself
        # matters, and only a name with the prefix can be an alias (nothing is loaded for the others).
        $resolved = $false
        if ($name.StartsWith($global:__awsmfa_alias_prefix, [StringComparison]::OrdinalIgnoreCase)) {
            __awsmfa_load
            $resolved = __awsmfa_resolve_alias $name $lookup
        }
        if (-not $resolved -and $global:__awsmfa_previous_not_found) {
            & $global:__awsmfa_previous_not_found $name $lookup
        }
    }
}
