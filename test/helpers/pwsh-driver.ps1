# Runs the test scripts in a real pwsh, one after another in its global scope, each as a pipeline of
# its own as a line typed at the prompt runs (so an error ends a statement or the script just as it
# would there), and writes what each did to a JSON file beside it. test/helpers/pwsh.ts starts pwsh
# with this text as -Command.
#
# $env:AWSMFA_TEST_PWSH_DIR holds script-0.ps1, script-1.ps1, …; the answer for script N goes to
# answer-N.json. What the terminal would have shown (Write-Host, warnings, [Console]::Write) is
# caught by pointing the console's output at a buffer while the script runs.
# Every name here starts with __awsmfa_test_ so that the scripts under test cannot meet it by chance.

$__awsmfa_test_dir = $env:AWSMFA_TEST_PWSH_DIR
$env:AWSMFA_TEST_PWSH_DIR = $null
$__awsmfa_test_utf8 = [Text.UTF8Encoding]::new($false)
$__awsmfa_test_stdout = [Console]::Out

function __awsmfa_test_text($value) {
    if ($null -eq $value) { return '' }
    if ($value -is [string]) { return $value }
    [System.Management.Automation.LanguagePrimitives]::ConvertTo($value, [string])
}

function __awsmfa_test_describe($record) {
    $where = if ($record.InvocationInfo) { $record.InvocationInfo.PositionMessage } else { '' }
    "$record [$($record.FullyQualifiedErrorId)]" + $(if ($where) { "`n$where" } else { '' })
}

for ($__awsmfa_test_i = 0; ; $__awsmfa_test_i++) {
    $__awsmfa_test_file = [IO.Path]::Combine($__awsmfa_test_dir, "script-$__awsmfa_test_i.ps1")
    if (-not [IO.File]::Exists($__awsmfa_test_file)) { break }
    $__awsmfa_test_answer = [ordered]@{
        output = [System.Collections.Generic.List[string]]::new()
        errors = [System.Collections.Generic.List[string]]::new()
        errorDetails = [System.Collections.Generic.List[string]]::new()
        hadErrors = $false
        nativeStderr = [System.Collections.Generic.List[string]]::new()
        host = ''
        env = $null
        lastExitCode = $null
    }
    $__awsmfa_test_shell = [powershell]::Create([System.Management.Automation.RunspaceMode]::CurrentRunspace)
    # Not in a local scope: like lines typed at the prompt, the script defines things globally.
    $null = $__awsmfa_test_shell.AddScript([IO.File]::ReadAllText($__awsmfa_test_file, $__awsmfa_test_utf8), $false)
    $__awsmfa_test_output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $__awsmfa_test_input = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $__awsmfa_test_input.Complete()
    $__awsmfa_test_terminating = $null
    $__awsmfa_test_screen = [IO.StringWriter]::new()
    [Console]::SetOut($__awsmfa_test_screen)
    try {
        $null = $__awsmfa_test_shell.Invoke($__awsmfa_test_input, $__awsmfa_test_output)
    }
    catch {
        # The error that ended the script (throw, a parse error), not the method call that carried it.
        $__awsmfa_test_cause = $_.Exception.InnerException
        $__awsmfa_test_terminating = if ($__awsmfa_test_cause.ErrorRecord) { $__awsmfa_test_cause.ErrorRecord } else { $_ }
    }
    finally {
        [Console]::Out.Flush()
        [Console]::SetOut($__awsmfa_test_stdout)
    }
    foreach ($__awsmfa_test_item in $__awsmfa_test_output) { $__awsmfa_test_answer.output.Add((__awsmfa_test_text $__awsmfa_test_item)) }
    foreach ($__awsmfa_test_record in @($__awsmfa_test_shell.Streams.Error) + @($__awsmfa_test_terminating)) {
        if ($null -eq $__awsmfa_test_record) { continue }
        # A native command's stderr lines: a terminal shows them; they are not errors.
        if ($__awsmfa_test_record.FullyQualifiedErrorId -in 'NativeCommandError', 'NativeCommandErrorMessage') {
            $__awsmfa_test_answer.nativeStderr.Add("$__awsmfa_test_record")
            continue
        }
        $__awsmfa_test_answer.errors.Add("$__awsmfa_test_record")
        $__awsmfa_test_answer.errorDetails.Add((__awsmfa_test_describe $__awsmfa_test_record))
    }
    $__awsmfa_test_shell.Dispose()
    $__awsmfa_test_answer.host = $__awsmfa_test_screen.ToString()
    $__awsmfa_test_answer.hadErrors = $__awsmfa_test_answer.errors.Count -gt 0
    $__awsmfa_test_env = [ordered]@{}
    foreach ($__awsmfa_test_entry in [Environment]::GetEnvironmentVariables().GetEnumerator()) {
        $__awsmfa_test_env[[string] $__awsmfa_test_entry.Key] = [string] $__awsmfa_test_entry.Value
    }
    $__awsmfa_test_answer.env = $__awsmfa_test_env
    $__awsmfa_test_code = $ExecutionContext.SessionState.PSVariable.GetValue('global:LASTEXITCODE')
    $__awsmfa_test_answer.lastExitCode = if ($null -eq $__awsmfa_test_code) { $null } else { [long] $__awsmfa_test_code }
    [IO.File]::WriteAllText(
        [IO.Path]::Combine($__awsmfa_test_dir, "answer-$__awsmfa_test_i.json"),
        (ConvertTo-Json -InputObject $__awsmfa_test_answer -Depth 4 -Compress),
        $__awsmfa_test_utf8)
}
