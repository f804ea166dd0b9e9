# PowerShell completion for awsmfa: commands, flags, shell names and the profile names of the AWS
# config. completions/awsmfa.ps1 is this template with the data line below filled in from the command
# definitions (`awsmfa completions pwsh` prints it); `awsmfa init pwsh` includes it.
#
# Tab must stay instant whatever the size of the config, so profile names come from the index awsmfa
# keeps (below); a Tab starts a process only when a config file changed since the index was made. Only language statements and .NET calls are used, so it works in any
# host whatever modules it has.

__AWSMFA_COMPLETION_DATA__

# The profile index: what awsmfa read from the AWS config files (profile names, the aliases), kept in
# a file of plain lines under its cache directory. Reading it costs one ReadAllLines, whatever the size
# of the config; noticing that the config changed costs a few GetLastWriteTimeUtc. Returns the lines
# (format, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, HOME, PATH, prefix, four watched paths, an
# unused line, the number of profiles, the profiles; then the number of names Tab offers, those names
# sorted, their completion texts in the same order; then alias name and profile in turn), or $null.
# With -Strict the index must also have been made for this alias prefix.
function global:__awsmfa_load_index([string] $Prefix, [switch] $Strict) {
    # awsmfa's cache directory, as src/platform places it: %LOCALAPPDATA% on Windows, XDG elsewhere.
    $base = if ([IO.Path]::DirectorySeparatorChar -eq '\') {
        if ($env:LOCALAPPDATA) { $env:LOCALAPPDATA } else { [IO.Path]::Combine([Environment]::GetFolderPath('UserProfile'), 'AppData', 'Local') }
    }
    elseif ("$env:XDG_CACHE_HOME".StartsWith('/')) { $env:XDG_CACHE_HOME }
    elseif ($env:HOME) { [IO.Path]::Combine($env:HOME, '.cache') }
    else { [IO.Path]::Combine([Environment]::GetFolderPath('UserProfile'), '.cache') }
    # One index per alias prefix, its characters other than letters, digits, _ and - spelled as _.
    $file = [IO.Path]::Combine($base, 'awsmfa', 'shell', 'index-' + ($Prefix -replace '[^A-Za-z0-9_-]', '_') + '.pwsh')
    $lines = __awsmfa_read_index $file $Prefix $Strict $true
    if ($null -ne $lines) { return , $lines }
    # Changed (or never made): awsmfa makes it again, once, and what it just wrote is used as it is
    # (or, should that run fail, what there is).
    try {
        if (${function:__awsmfa_run_quietly}) { __awsmfa_run_quietly shell-index --shell pwsh --alias-prefix $Prefix }
        else { $null = & awsmfa shell-index --shell pwsh --alias-prefix $Prefix 2>$null }
    }
    catch { }
    return , (__awsmfa_read_index $file $Prefix $Strict $false)
}

# The index's lines when it was made for this environment and, with $check, when no watched file or
# directory is newer than it (a file replaced by a rename changes its directory's time).
function global:__awsmfa_read_index([string] $file, [string] $prefix, [bool] $strict, [bool] $check) {
    try { $text = [IO.File]::ReadAllText($file) } catch { return $null }
    # The lines, and what was made of them (the completions), are kept for as long as the file holds
    # the same text: comparing it costs far less than splitting it again at every Tab.
    $cache = $ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_index_cache')
    if ($null -eq $cache -or -not [string]::Equals($cache.Text, $text)) {
        # Lines as ReadAllLines gives them: awsmfa ends each with LF, the last one too.
        $body = if ($text.EndsWith([char] 10)) { $text.Substring(0, $text.Length - 1) } else { $text }
        $cache = @{ Text = $text; Lines = $body.Split([char] 10); Table = $null }
        $global:__awsmfa_index_cache = $cache
    }
    $lines = $cache.Lines
    if ($lines.Count -lt 12 -or $lines[0] -cne 'awsmfa-index 2') { return $null }
    if ($lines[1] -cne "$env:AWS_CONFIG_FILE" -or $lines[2] -cne "$env:AWS_SHARED_CREDENTIALS_FILE" -or $lines[3] -cne "$env:HOME") { return $null }
    if ($strict -and $lines[5] -cne $prefix) { return $null }
    if ($check) {
        $made = [IO.File]::GetLastWriteTimeUtc($file)
        # A path that does not exist reads as 1601, never newer.
        if ([IO.File]::GetLastWriteTimeUtc($lines[6]) -gt $made -or [IO.File]::GetLastWriteTimeUtc($lines[7]) -gt $made -or
            [IO.Directory]::GetLastWriteTimeUtc($lines[8]) -gt $made -or [IO.Directory]::GetLastWriteTimeUtc($lines[9]) -gt $made) { return $null }
    }
    $count = 0
    if (-not [int]::TryParse($lines[11], [ref] $count) -or $count -lt 0 -or 13 + $count -gt $lines.Count) { return $null }
    $offered = 0
    if (-not [int]::TryParse($lines[12 + $count], [ref] $offered) -or $offered -lt 0 -or 13 + $count + 2 * $offered -gt $lines.Count) { return $null }
    return , $lines
}

# Every profile name in the index.
function global:__awsmfa_profile_names {
    # Without `awsmfa init` (this file on its own) there is no prefix; StrictMode forbids reading it by name then.
    $prefix = $ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_alias_prefix')
    if ($null -eq $prefix) { $prefix = 'aws-' }
    $lines = __awsmfa_load_index $prefix
    if ($null -eq $lines) { return }
    $count = [int] $lines[11]
    if ($count -gt 0) { $lines[12..(11 + $count)] }
}

# The profile names Tab offers, from the index: Names sorted by ordinal comparison and Texts, the
# completion text of each (quoted where the bare word would not read back as the name); or $null.
function global:__awsmfa_profile_table {
    $prefix = $ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_alias_prefix')
    if ($null -eq $prefix) { $prefix = 'aws-' }
    $lines = __awsmfa_load_index $prefix
    if ($null -eq $lines) { return $null }
    # Made once per index text (see __awsmfa_read_index), kept with its lines.
    $cache = $global:__awsmfa_index_cache
    $current = [object]::ReferenceEquals($cache.Lines, $lines)
    if (-not $current -or $null -eq $cache.Table) {
        $start = 13 + [int] $lines[11]
        $count = [int] $lines[$start - 1]
        $names = [string[]]::new($count)
        $texts = [string[]]::new($count)
        [Array]::Copy($lines, $start, $names, 0, $count)
        [Array]::Copy($lines, $start + $count, $texts, 0, $count)
        # PowerShell converts each text through CompletionResult's one-argument constructor, in one call.
        $table = @{ Names = $names; Results = [System.Management.Automation.CompletionResult[]] $texts }
        if (-not $current) { return $table }
        $cache.Table = $table
    }
    $cache.Table
}

# The completions of the profile names that start with $word, in order. Tab must stay instant with
# thousands of names, so no script code runs per name: the names that start with $word are one range
# of the sorted list, found by binary search (from $word to $word with its last character one
# higher), and the CompletionResults of that range, made once per index, are copied out.
function global:__awsmfa_profile_completions([string] $word) {
    $table = __awsmfa_profile_table
    if ($null -eq $table) { return , ([System.Management.Automation.CompletionResult[]] @()) }
    $names = $table.Names
    $low = 0
    $high = $names.Count
    if ($word.Length -gt 0) {
        $low = [Array]::BinarySearch($names, $word, [StringComparer]::Ordinal)
        if ($low -lt 0) { $low = -bnot $low }
        $last = [int] $word[$word.Length - 1]
        if ($last -lt 0xFFFF) {
            $high = [Array]::BinarySearch($names, $word.Substring(0, $word.Length - 1) + [char] ($last + 1), [StringComparer]::Ordinal)
            if ($high -lt 0) { $high = -bnot $high }
        }
        else {
            $high = $low
            while ($high -lt $names.Count -and $names[$high].StartsWith($word, [StringComparison]::Ordinal)) { $high++ }
        }
    }
    $results = [System.Management.Automation.CompletionResult[]]::new($high - $low)
    [Array]::Copy($table.Results, $low, $results, 0, $high - $low)
    return , $results
}

# Adds each value (after $prefix) that starts with $word to $results, as $offer in __awsmfa_complete
# does, in one loop: calling a script block once per value made Tab take seconds with thousands of
# profile names.
function global:__awsmfa_offer_values($results, [string[]] $values, [string] $prefix, [string] $word, [bool] $quoted) {
    foreach ($value in $values) {
        $text = $prefix + $value
        if (-not $text.StartsWith($word, [StringComparison]::Ordinal)) { continue }
        # A value that would not read back as itself as a bare word (`@x` is a splat) goes in quotes.
        $completion = $text
        if ($quoted -or $text -cnotmatch '^[\w.:/%+-][\w.:/%+@=-]*$') {
            $completion = "'" + [regex]::Replace($text, '[''\u2018\u2019\u201A\u201B]', '$0$0') + "'"
        }
        $results.Add([System.Management.Automation.CompletionResult]::new($completion, $text, 'ParameterValue', $text))
    }
}

function global:__awsmfa_candidates([string] $kind) {
    switch ($kind) {
        'profile' { __awsmfa_profile_names }
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
    if ($expect -eq 'profile' -and -not $quoted) { return (__awsmfa_profile_completions $word) }
    if ($expect) {
        __awsmfa_offer_values $results (__awsmfa_candidates $expect) '' $word $quoted
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
                __awsmfa_offer_values $results (__awsmfa_candidates $option.Value) "$name=" $word $quoted
            }
        }
    }
    elseif (-not $ended -and $word.StartsWith('-')) {
        foreach ($option in $command.Options) { foreach ($name in $option.Names) { & $offer $name $option.Description 'ParameterName' } }
    }
    else {
        $kind = if ($position -lt $command.Arguments.Count) { $command.Arguments[$position] } else { $command.Rest }
        # The common case, a profile name typed unquoted: ready-made and already in order.
        if ($kind -eq 'profile' -and -not $quoted) { return (__awsmfa_profile_completions $word) }
        __awsmfa_offer_values $results (__awsmfa_candidates $kind) '' $word $quoted
    }
    # PowerShell shows them in the order given; bash, zsh and fish sort theirs, and so does this.
    $results.Sort([System.Comparison[System.Management.Automation.CompletionResult]] { param($a, $b) [string]::CompareOrdinal($a.ListItemText, $b.ListItemText) })
    $results.ToArray()
}

# The names the completer is registered for: awsmfa, and the wrapper's (`init --cmd`), which the
# integration keeps as one line of words (an earlier version kept an array). Read through PSVariable,
# which gives $null for a variable not set yet where StrictMode would stop the script.
$global:__awsmfa_completion_names = @(@($ExecutionContext.SessionState.PSVariable.GetValue('global:__awsmfa_completion_names')) | ForEach-Object { "$_".Split(' ') } | Where-Object { $_ })
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
# MenuComplete call, is wrapped (below): for such a word on an awsmfa command line the answer comes
# from __awsmfa_complete; everything else is the answer of the TabExpansion2 that was there.
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
        foreach ($match in (__awsmfa_complete $word $call $cursor)) { $found.Add($match) }
        $result.CompletionMatches = $found
        $result.ReplacementIndex = $element.Extent.StartOffset
        $result.ReplacementLength = $cursor - $element.Extent.StartOffset
        $result.CurrentMatchIndex = -1
        return
    }
}

# The wrapper calls __awsmfa_load first: in `awsmfa init`'s code that compiles the rest of it, and
# registers the completer, at the first Tab; this script on its own has it all already.
if (-not ${function:__awsmfa_load}) { function global:__awsmfa_load { } }

# The wrapper itself, only once: loading this again must not wrap the wrapper. `awsmfa init` puts
# what follows this line among the integration's start-up code (see shells/awsmfa.ps1).
#AWSMFA-START-UP
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
        __awsmfa_load
        $result = __awsmfa_user_tabexpansion2 @PSBoundParameters
        if ($result) { try { __awsmfa_dash_completion $result $PSBoundParameters } catch { } }
        $result
    }
}
