# PowerShell completion for awsmfa: commands, flags, shell names and the profile names of the AWS
# config. completions/awsmfa.ps1 is this template with the data line below filled in from the command
# definitions (`awsmfa completions pwsh` prints it); `awsmfa init pwsh` includes it.
#
# Tab must stay instant, so nothing here starts a process: profile names are read from the config
# files by PowerShell itself. Only language statements and .NET calls are used, so it works in any
# host whatever modules it has.

__AWSMFA_COMPLETION_DATA__

# Profile names from the files the AWS CLI reads, by the AWS SDK's rules: [profile NAME] and [default]
# in the config file, [NAME] in the credentials file, comments from a ; or # that starts a line or
# follows a blank, and a section with no setting is no profile. With -Mfa, only the profiles with
# mfa_serial or role_arn.
function global:__awsmfa_read_profiles {
    param([switch] $Mfa)
    $all = [System.Collections.Generic.List[string]]::new()
    $withMfa = [System.Collections.Generic.List[string]]::new()
    $typed = '^([\w-]+)\s(["'']?)([\w@+.%:/-]+)\2$'
    foreach ($from in 'config', 'credentials') {
        $file = if ($from -eq 'config') { $env:AWS_CONFIG_FILE } else { $env:AWS_SHARED_CREDENTIALS_FILE }
        if (-not $file) { $file = [IO.Path]::Combine($HOME, '.aws', $from) }
        elseif ($file.StartsWith('~/')) { $file = [IO.Path]::Combine($HOME, $file.Substring(2)) }
        if (-not [IO.File]::Exists($file)) { continue }
        try { $lines = [IO.File]::ReadAllLines($file) } catch { continue }
        $section = ''
        $subsection = ''
        foreach ($raw in $lines) {
            $line = ([regex]::Split($raw, '(?:^|\s)[;#]')[0]).Trim()
            if ($line.Length -ge 2 -and $line.StartsWith('[') -and $line.EndsWith(']')) {
                $name = $line.Substring(1, $line.Length - 2)
                $section = ''
                $subsection = ''
                # `prefix name` (one blank, the name maybe quoted) is a typed section: only `profile`
                # names a profile, and only in the config file; anything else is a plain section name.
                $match = [regex]::Match($name, $typed, [Text.RegularExpressions.RegexOptions]::ECMAScript)
                if ($match.Success) {
                    if ($from -eq 'config' -and $match.Groups[1].Value -ceq 'profile') { $section = $match.Groups[3].Value }
                }
                elseif ($from -eq 'credentials') { $section = $name }
                elseif ($name -ceq 'default') { $section = 'default' }
            }
            elseif ($section -and $line.IndexOf('=') -gt 0) {
                $at = $line.IndexOf('=')
                $key = $line.Substring(0, $at).Trim()
                $value = $line.Substring($at + 1).Trim()
                if (-not $value) { $subsection = $key; continue }
                # Like the SDK, a section counts as a profile once it has a setting.
                if (-not $all.Contains($section)) { $all.Add($section) }
                # An indented line stays in the sub-section (`s3 =` and what follows); others end it.
                if ($subsection -and $raw.TrimStart() -ceq $raw) { $subsection = '' }
                if (-not $subsection -and ($key -ceq 'mfa_serial' -or $key -ceq 'role_arn') -and -not $withMfa.Contains($section)) {
                    $withMfa.Add($section)
                }
            }
        }
    }
    if ($Mfa) { $withMfa.ToArray() } else { $all.ToArray() }
}

function global:__awsmfa_candidates([string] $kind) {
    switch ($kind) {
        'profile' { __awsmfa_read_profiles }
        'shell' { (__awsmfa_completion_data).Shells }
    }
}

# The completion results for the command line in $ast with the cursor at $cursor: walks the words
# before the cursor to find the command, whether the previous word is an option waiting for its
# value, and how many arguments came before.
function global:__awsmfa_complete([string] $word, $ast, [int] $cursor) {
    $data = __awsmfa_completion_data
    # The word under the cursor ends at the cursor; the words before it end before.
    $before = @($ast.CommandElements | Where-Object { $_.Extent.EndOffset -lt $cursor })
    $command = $null
    $expect = $null
    $ended = $false
    $position = 0
    for ($i = 1; $i -lt $before.Count; $i++) {
        $token = $before[$i].Extent.Text
        if ($expect) { $expect = $null; continue }
        if (-not $command) {
            if ($token.StartsWith('-')) { continue }
            foreach ($each in $data.Commands) { if ($each.Name -ceq $token) { $command = $each } }
            if (-not $command) { return }
            continue
        }
        if (-not $ended -and $token -eq '--') { $ended = $true }
        elseif (-not $ended -and $token.StartsWith('-')) {
            if (-not $token.Contains('=')) {
                foreach ($option in $command.Options) { if ($option.Names -ccontains $token -and $option.Value) { $expect = $option.Value } }
            }
        }
        else { $position++ }
    }

    $results = [System.Collections.Generic.List[System.Management.Automation.CompletionResult]]::new()
    # A word begun with a quote (which PowerShell hands over closed) is matched without its quotes,
    # and completed in quotes.
    $quoted = $word -match '^[''\u2018\u2019\u201A\u201B]'
    if ($quoted) { $word = $word.Substring(1) -replace '[''\u2018\u2019\u201A\u201B]$', '' }
    $offer = {
        param([string] $text, [string] $tip, [string] $type)
        if ($text.StartsWith($word, [StringComparison]::Ordinal)) {
            # A value that would not read back as itself as a bare word (`@x` is a splat) goes in quotes.
            $completion = $text
            if ($quoted -or ($type -eq 'ParameterValue' -and $text -cnotmatch '^[\w.:/%+-][\w.:/%+@=-]*$')) {
                $completion = "'" + [regex]::Replace($text, '[''\u2018\u2019\u201A\u201B]', '$0$0') + "'"
            }
            $results.Add([System.Management.Automation.CompletionResult]::new($completion, $text, $type, $(if ($tip) { $tip } else { $text })))
        }
    }
    if ($expect) {
        foreach ($value in __awsmfa_candidates $expect) { & $offer $value '' 'ParameterValue' }
    }
    elseif (-not $command) {
        if ($word.StartsWith('-')) {
            foreach ($option in $data.GlobalOptions) { foreach ($name in $option.Names) { & $offer $name $option.Description 'ParameterName' } }
        }
        else {
            foreach ($each in $data.Commands) { & $offer $each.Name $each.Description 'Command' }
        }
    }
    elseif (-not $ended -and $word.StartsWith('-') -and $word.Contains('=')) {
        # `--shell=b`: the values of that option, each after its `--shell=`.
        $name = $word.Substring(0, $word.IndexOf('='))
        foreach ($option in $command.Options) {
            if ($option.Names -ccontains $name -and $option.Value) {
                foreach ($value in __awsmfa_candidates $option.Value) { & $offer "$name=$value" '' 'ParameterValue' }
            }
        }
    }
    elseif (-not $ended -and $word.StartsWith('-')) {
        foreach ($option in $command.Options) { foreach ($name in $option.Names) { & $offer $name $option.Description 'ParameterName' } }
    }
    else {
        $kind = if ($position -lt $command.Arguments.Count) { $command.Arguments[$position] } else { $command.Rest }
        foreach ($value in __awsmfa_candidates $kind) { & $offer $value '' 'ParameterValue' }
    }
    # PowerShell shows them in the order given; bash, zsh and fish sort theirs, and so does this.
    $results.Sort([System.Comparison[System.Management.Automation.CompletionResult]] { param($a, $b) [string]::CompareOrdinal($a.ListItemText, $b.ListItemText) })
    $results.ToArray()
}

# The names the completer is registered for: awsmfa, and the wrapper's (`init --cmd`). Read through
# PSVariable, which gives $null for a variable not set yet where StrictMode would stop the script.
$global:__awsmfa_completion_names = @($ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_completion_names') | Where-Object { $_ })
if ($global:__awsmfa_completion_names -cnotcontains 'awsmfa') { $global:__awsmfa_completion_names = @('awsmfa') + $global:__awsmfa_completion_names }
function global:__awsmfa_register_completion {
    Register-ArgumentCompleter -Native -CommandName $global:__awsmfa_completion_names -ScriptBlock {
        param($wordToComplete, $commandAst, $cursorPosition)
        __awsmfa_complete $wordToComplete $commandAst $cursorPosition
    }
}
__awsmfa_register_completion

# The wrapper is an advanced function (so that its failures reach `&&`, `||` and `$?`), and for a word
# that starts with one dash PowerShell offers an advanced function's own parameters (-Debug,
# -ErrorAction, …) and never asks the completer registered above. So TabExpansion2, which Tab and
# MenuComplete call, is wrapped: for such a word on an awsmfa command line the answer comes from
# __awsmfa_complete; everything else is the answer of the TabExpansion2 that was there. Only once:
# loading this again must not wrap the wrapper.
function global:__awsmfa_dash_completion($result, [hashtable] $bound) {
    if ($bound.ContainsKey('inputScript')) {
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($bound['inputScript'], [ref] $null, [ref] $null)
        $cursor = if ($bound.ContainsKey('cursorColumn')) { $bound['cursorColumn'] } else { $bound['inputScript'].Length }
    }
    else {
        $ast = $bound['ast']
        $cursor = $bound['positionOfCursor'].Offset
    }
    $call = $ast.Find({
            param($node)
            $node -is [System.Management.Automation.Language.CommandAst] -and $node.Extent.StartOffset -le $cursor -and $node.Extent.EndOffset -ge $cursor
        }, $true)
    if (-not $call -or $global:__awsmfa_completion_names -cnotcontains $call.GetCommandName()) { return }
    foreach ($element in $call.CommandElements) {
        if ($element.Extent.EndOffset -ne $cursor -or $element.Extent.StartOffset -ge $cursor) { continue }
        $word = $element.Extent.Text
        if (-not $word.StartsWith('-') -or $word.StartsWith('--') -or $element -eq $call.CommandElements[0]) { return }
        $found = [System.Collections.ObjectModel.Collection[System.Management.Automation.CompletionResult]]::new()
        foreach ($match in @(__awsmfa_complete $word $call $cursor)) { $found.Add($match) }
        $result.CompletionMatches = $found
        $result.ReplacementIndex = $element.Extent.StartOffset
        $result.ReplacementLength = $cursor - $element.Extent.StartOffset
        $result.CurrentMatchIndex = -1
        return
    }
}

if (-not ${function:__awsmfa_user_tabexpansion2}) {
    ${function:global:__awsmfa_user_tabexpansion2} = ${function:TabExpansion2}
    function global:TabExpansion2 {
        [CmdletBinding(DefaultParameterSetName = 'ScriptInputSet')]
        param(
            [Parameter(ParameterSetName = 'ScriptInputSet', Mandatory = $true, Position = 0)]
            [string] $inputScript,
            [Parameter(ParameterSetName = 'ScriptInputSet', Position = 1)]
            [int] $cursorColumn = $inputScript.Length,
            [Parameter(ParameterSetName = 'AstInputSet', Mandatory = $true, Position = 0)]
            [System.Management.Automation.Language.Ast] $ast,
            [Parameter(ParameterSetName = 'AstInputSet', Mandatory = $true, Position = 1)]
            [System.Management.Automation.Language.Token[]] $tokens,
            [Parameter(ParameterSetName = 'AstInputSet', Mandatory = $true, Position = 2)]
            [System.Management.Automation.Language.IScriptPosition] $positionOfCursor,
            [Parameter(ParameterSetName = 'ScriptInputSet', Position = 2)]
            [Parameter(ParameterSetName = 'AstInputSet', Position = 3)]
            [Hashtable] $options = $null
        )
        $result = __awsmfa_user_tabexpansion2 @PSBoundParameters
        if ($result) { try { __awsmfa_dash_completion $result $PSBoundParameters } catch { } }
        $result
    }
}
