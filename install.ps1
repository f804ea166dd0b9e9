# Installs awsmfa for the current user on Windows (PowerShell 7, or Windows PowerShell 5.1), from this
# checkout: no administrator, and running it again changes nothing. `.\install.ps1 -Uninstall` takes out
# exactly what it put in. (On Linux and macOS, install.sh does the same for every shell.)
#
# What it does:
#   - builds dist\ (`npm ci`) if it is not there;
#   - writes an `awsmfa.cmd` launcher to %LOCALAPPDATA%\Programs\awsmfa (or -BinDir) and adds that
#     folder to the user's PATH;
#   - writes the PowerShell integration (`awsmfa init pwsh`) to %APPDATA%\awsmfa\init.ps1 and adds one
#     line to $PROFILE that dot-sources it, so that a new PowerShell does not start node to get it;
#   - records all of it in %APPDATA%\awsmfa\installed, which -Uninstall reads.
[CmdletBinding()]
param(
    [switch]$Uninstall,
    # Where the launcher goes.
    [string]$BinDir = (Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'Programs\awsmfa'),
    # The profile that loads the integration (default: this user's, for this host).
    [string]$ProfilePath = $PROFILE.CurrentUserCurrentHost
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$marker = '# added by awsmfa install.ps1'
$root = $PSScriptRoot
$stateDir = Join-Path ([Environment]::GetFolderPath('ApplicationData')) 'awsmfa'
$manifest = Join-Path $stateDir 'installed'
$utf8 = New-Object System.Text.UTF8Encoding($false)
$onWindows = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT

function Say([string]$text) { [Console]::Error.WriteLine("awsmfa install: $text") }

# --- The record of what was added -------------------------------------------------------------------
# One entry a line: `dir PATH` (created), `file PATH` (written), `rc PATH` (a line added to it),
# `rc-created PATH` (it did not exist), `rc-newline PATH` (a final newline was added), `path DIR`
# (added to the user's PATH).

function Read-Manifest {
    if (Test-Path -LiteralPath $manifest -PathType Leaf) { return @([IO.File]::ReadAllLines($manifest) | Where-Object { $_ -ne '' }) }
    return @()
}

function Add-Record([string]$entry) {
    if ((Read-Manifest) -ccontains $entry) { return }
    [IO.File]::AppendAllText($manifest, "$entry`n", $utf8)
}

# New-Item -ItemType Directory that records each folder it creates, outermost first.
function New-RecordedDirectory([string]$path) {
    $missing = @()
    $dir = $path
    while ($dir -and -not (Test-Path -LiteralPath $dir -PathType Container)) {
        $missing = @($dir) + $missing
        $dir = Split-Path -Parent $dir
    }
    foreach ($each in $missing) {
        [void](New-Item -ItemType Directory -Path $each)
        if (Test-Path -LiteralPath $stateDir -PathType Container) { Add-Record "dir $each" } else { $script:early += "dir $each" }
    }
}

# Writes a file only when its content differs, so that a second run touches nothing.
function Write-IfChanged([string]$path, [string]$text, $encoding = $utf8) {
    if (-not (Test-Path -LiteralPath $path -PathType Leaf) -or [IO.File]::ReadAllText($path) -cne $text) {
        $temporary = "$path.awsmfa-tmp"
        [IO.File]::WriteAllText($temporary, $text, $encoding)
        Move-Item -LiteralPath $temporary -Destination $path -Force
    }
    Add-Record "file $path"
}

# A single-quoted PowerShell string: ' and the quotes PowerShell also reads as ' are doubled.
function Format-Quoted([string]$text) { "'" + ($text -replace "(['\u2018\u2019\u201A\u201B])", '$1$1') + "'" }

function Get-UserPath { [Environment]::GetEnvironmentVariable('Path', 'User') }

# A profile keeps the encoding it has: UTF-16 or UTF-8 with a byte-order mark (Windows PowerShell's `>`
# writes UTF-16), else byte for byte, through Latin-1, which maps every byte to one character and back.
$latin1 = [Text.Encoding]::GetEncoding(28591)
function Get-ProfileEncoding([string]$path) {
    $bytes = [IO.File]::ReadAllBytes($path)
    if ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF) { return New-Object System.Text.UTF8Encoding($true) }
    if ($bytes.Length -ge 2 -and $bytes[0] -eq 0xFF -and $bytes[1] -eq 0xFE) { return New-Object System.Text.UnicodeEncoding($false, $true) }
    if ($bytes.Length -ge 2 -and $bytes[0] -eq 0xFE -and $bytes[1] -eq 0xFF) { return New-Object System.Text.UnicodeEncoding($true, $true) }
    return $latin1
}
# Our line as characters of that encoding: in a file without a byte-order mark it goes in as UTF-8.
function ConvertTo-ProfileText([string]$text, $encoding) {
    if ($encoding.CodePage -eq $latin1.CodePage) { return $latin1.GetString($utf8.GetBytes($text)) }
    return $text
}

# --- Uninstall --------------------------------------------------------------------------------------

if ($Uninstall) {
    $entries = Read-Manifest
    if ($entries.Count -eq 0) { Say "nothing to remove: $manifest does not exist"; exit 0 }
    foreach ($entry in $entries) {
        if ($entry.StartsWith('rc ')) {
            $rc = $entry.Substring(3)
            if (Test-Path -LiteralPath $rc -PathType Leaf) {
                $encoding = Get-ProfileEncoding $rc
                $text = [IO.File]::ReadAllText($rc, $encoding)
                $kept = ($text -split '(?<=\n)') | Where-Object { -not $_.Contains($marker) }
                [IO.File]::WriteAllText($rc, ($kept -join ''), $encoding)
            }
        }
    }
    foreach ($entry in $entries) {
        if ($entry.StartsWith('rc-newline ')) {
            $rc = $entry.Substring(11)
            if (Test-Path -LiteralPath $rc -PathType Leaf) {
                $encoding = Get-ProfileEncoding $rc
                $text = [IO.File]::ReadAllText($rc, $encoding)
                if ($text.EndsWith("`r`n")) { $text = $text.Substring(0, $text.Length - 2) } elseif ($text.EndsWith("`n")) { $text = $text.Substring(0, $text.Length - 1) }
                [IO.File]::WriteAllText($rc, $text, $encoding)
            }
        } elseif ($entry.StartsWith('rc-created ')) {
            $rc = $entry.Substring(11)
            if ((Test-Path -LiteralPath $rc -PathType Leaf) -and (Get-Item -LiteralPath $rc).Length -eq 0) { Remove-Item -LiteralPath $rc }
        } elseif ($entry.StartsWith('path ')) {
            $dir = $entry.Substring(5)
            $parts = @((Get-UserPath) -split ';' | Where-Object { $_ -and $_ -ne $dir })
            [Environment]::SetEnvironmentVariable('Path', ($parts -join ';'), 'User')
        } elseif ($entry.StartsWith('file ') -and $entry.Substring(5) -ne $manifest) {
            Remove-Item -LiteralPath $entry.Substring(5) -Force -ErrorAction SilentlyContinue
        }
    }
    Remove-Item -LiteralPath $manifest -Force
    # Only folders it created, innermost first, and only when nothing else has been put in them since.
    $dirs = @($entries | Where-Object { $_.StartsWith('dir ') } | ForEach-Object { $_.Substring(4) } | Sort-Object -Descending)
    foreach ($dir in $dirs) {
        if ((Test-Path -LiteralPath $dir -PathType Container) -and -not (Get-ChildItem -LiteralPath $dir -Force)) { Remove-Item -LiteralPath $dir }
    }
    Say "removed awsmfa's launcher and PowerShell integration"
    exit 0
}

# --- Install ----------------------------------------------------------------------------------------

$node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $node) { Say 'error: node is not on PATH; awsmfa needs Node.js 20 or later (https://nodejs.org)'; exit 1 }
$major = [int](& $node.Source -p 'process.versions.node.split(".")[0]')
if ($major -lt 20) { Say "error: node $(& $node.Source --version) is too old; awsmfa needs Node.js 20 or later"; exit 1 }
$script = Join-Path $root 'dist/awsmfa.js'
if (-not (Test-Path -LiteralPath $script -PathType Leaf)) {
    Say 'building awsmfa (npm ci)'
    Push-Location $root
    try { & npm ci --no-audit --no-fund | Out-Host } finally { Pop-Location }
    if (-not (Test-Path -LiteralPath $script -PathType Leaf)) { Say "error: npm ci did not build $script"; exit 1 }
}

$script:early = @()
New-RecordedDirectory $stateDir
foreach ($entry in $script:early) { Add-Record $entry }

New-RecordedDirectory $BinDir
$launcher = Join-Path $BinDir 'awsmfa.cmd'
if (-not (Test-Path -LiteralPath $launcher) -or (Select-String -LiteralPath $launcher -SimpleMatch $marker -Quiet)) {
    # node on PATH first (it may have been upgraded); else the one found now. The last line's status is
    # the launcher's.
    $lines = @(
        "@rem $marker",
        '@setlocal',
        '@set "AWSMFA_NODE=node"',
        "@where node >nul 2>nul || set `"AWSMFA_NODE=$($node.Source)`"",
        "@`"%AWSMFA_NODE%`" `"$script`" %*"
    )
    Write-IfChanged $launcher (($lines -join "`r`n") + "`r`n")
} else {
    Say "warning: $launcher exists and is not awsmfa's launcher; left it alone"
}

$init = Join-Path $stateDir 'init.ps1'
# node writes UTF-8; PowerShell decodes a program's output with the console's code page unless told.
$consoleEncoding = [Console]::OutputEncoding
try {
    [Console]::OutputEncoding = $utf8
    $code = (& $node.Source $script init pwsh | Out-String)
} finally {
    [Console]::OutputEncoding = $consoleEncoding
}
if ($LASTEXITCODE -ne 0) { Say 'error: awsmfa init pwsh failed'; exit 1 }
# With a byte-order mark: Windows PowerShell reads a file without one in the ANSI code page.
Write-IfChanged $init $code (New-Object System.Text.UTF8Encoding($true))

$line = "if (Test-Path -LiteralPath $(Format-Quoted $init)) { . $(Format-Quoted $init) } $marker"
$exists = Test-Path -LiteralPath $ProfilePath -PathType Leaf
$encoding = $(if ($exists) { Get-ProfileEncoding $ProfilePath } else { $utf8 })
$text = $(if ($exists) { [IO.File]::ReadAllText($ProfilePath, $encoding) } else { '' })
$stored = ConvertTo-ProfileText $line $encoding
if (-not (@($text -split '\r?\n') -ccontains $stored)) {
    New-RecordedDirectory (Split-Path -Parent $ProfilePath)
    if (-not $exists) {
        Add-Record "rc-created $ProfilePath"
    } elseif ($text.Length -gt 0 -and -not $text.EndsWith("`n")) {
        $text += [Environment]::NewLine
        Add-Record "rc-newline $ProfilePath"
    }
    [IO.File]::WriteAllText($ProfilePath, $text + $stored + [Environment]::NewLine, $encoding)
    Add-Record "rc $ProfilePath"
}
Say "pwsh: $ProfilePath loads $init"

if ($onWindows) {
    if (-not (@((Get-UserPath) -split ';') -contains $BinDir)) {
        $current = Get-UserPath
        [Environment]::SetEnvironmentVariable('Path', $(if ($current) { "$current;$BinDir" } else { $BinDir }), 'User')
        Add-Record "path $BinDir"
        Say "added $BinDir to your PATH (new windows see it)"
    }
} else {
    Say "note: the user PATH is Windows'; add $BinDir to PATH yourself to use awsmfa.cmd outside the integration"
}
Add-Record "file $manifest"
Say 'done: open a new PowerShell, then `awsmfa use <profile>`'
