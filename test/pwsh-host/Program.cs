// pwsh-host: runs PowerShell scripts with the real PowerShell engine (System.Management.Automation)
// so that tests can check the pwsh code awsmfa prints on a machine where pwsh itself is not installed.
//
// Protocol (UTF-8 both ways; nothing secret is ever passed on the command line):
//   stdin:  ONE JSON object, either
//             {"script": "...", "env": {"NAME": "value" | null}?, "standIns": bool?}
//           or {"scripts": ["...", "..."], "env": ..., "standIns": ...}
//           "env" is applied to the process environment before the engine starts (null removes a
//           variable, "" sets it empty). "standIns": false leaves out the stand-in cmdlets below.
//   stdout: ONE JSON object per request. For "script", a result object:
//             {"output": [string], "errors": [string], "errorDetails": [string], "hadErrors": bool,
//              "nativeStderr": [string], "warnings": [string], "host": string, "console": string,
//              "env": {NAME: value}, "lastExitCode": number | null, "exitCode": number | null,
//              "standIns": [string]}
//           For "scripts", an array of such objects, one per script, all run in order in the SAME
//           runspace (functions and variables carry over), each "env" taken after its own script.
//           A request the host cannot understand gets {"fatal": "why"} and exit status 2; a failure
//           of the host itself (the engine does not start) gets {"fatal": "why"} and exit status 3.
//
// What the fields hold:
//   output       each object of the success stream, converted to a string as PowerShell converts it
//   errors       the message of every error record, then of the terminating error (throw, parse
//                error, failed parameter binding) that ended the script, if any
//   errorDetails the same errors with their error id and script position, for failure messages
//   hadErrors    true when "errors" is not empty
//   nativeStderr lines a native command wrote to stderr. In an interactive pwsh these go straight to
//                the terminal and are not errors, so they are kept apart and do not set hadErrors.
//   warnings     the warning stream
//   host         what Write-Host (and the rest of the information stream) would have shown
//   console      what the script wrote through [Console]::Write / [Console]::Out
//   env          every process environment variable after the script (the engine itself adds
//                PSModulePath, as a real pwsh does)
//   lastExitCode the global $LASTEXITCODE, or null when it was never set
//   exitCode     the status of an `exit` that ended the script at its top level (an interactive pwsh
//                would have closed), or null; the next script of a batch still runs
//   standIns     the cmdlets that this host supplies itself (see below)
//
// The only PowerShell package served here is System.Management.Automation: the language, the
// providers (env:, function:, variable:, alias:, FileSystem) and the core cmdlets (ForEach-Object,
// Where-Object, Get-Command, Register-ArgumentCompleter, Import-Module, Out-Null, ...) plus the
// TabExpansion2 and prompt functions. The Microsoft.PowerShell.Utility and .Management cmdlets are
// not, so this host registers minimal stand-ins, written here, for the few the tests need. Each
// implements only the parameters declared below (any other parameter is a binding error, so a
// script cannot silently depend on behaviour the stand-in lacks), and only when the real cmdlet is
// absent from the session.

using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace PwshHost;

public static class Program
{
    public static int Main()
    {
        // Claim the real stdout for the JSON answer before anything else can write to it: a native
        // command started with inherited handles, or a script calling [Console]::WriteLine, must not
        // corrupt the answer. Process-level stdout is pointed at stderr, .NET's Console.Out at a buffer.
        Stream answerStream = ClaimStdout();
        var consoleText = new StringWriter();
        Console.SetOut(consoleText);

        string answer;
        int status = 0;
        try
        {
            string requestText;
            using (var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false, true)))
            {
                requestText = stdin.ReadToEnd();
            }
            Request request = Request.Parse(requestText);
            answer = Run(request, consoleText);
        }
        catch (RequestException e)
        {
            answer = "{\"fatal\":" + Json.Quote(e.Message) + "}";
            status = 2;
        }
        catch (DecoderFallbackException e)
        {
            answer = "{\"fatal\":" + Json.Quote("the request is not valid UTF-8: " + e.Message) + "}";
            status = 2;
        }
        catch (Exception e)
        {
            answer = "{\"fatal\":" + Json.Quote("pwsh-host failed: " + e) + "}";
            status = 3;
        }

        byte[] bytes = new UTF8Encoding(false).GetBytes(answer + "\n");
        answerStream.Write(bytes, 0, bytes.Length);
        answerStream.Flush();
        return status;
    }

    private static string Run(Request request, StringWriter consoleText)
    {
        foreach (var (name, value) in request.Env)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        InitialSessionState state = InitialSessionState.CreateDefault2();
        // The formatting tables only shape what Out-Default / Format-* show on a host's screen, and
        // this host has none; leaving them out makes every start about 0.2 s faster.
        state.Formats.Clear();
        List<string> standIns = request.StandIns ? StandIns.AddMissing(state) : new List<string>();

        var host = new ScriptHost();
        using Runspace runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.ThreadOptions = PSThreadOptions.UseCurrentThread;
        runspace.Open();

        var results = new List<string>();
        foreach (string script in request.Scripts)
        {
            results.Add(RunOne(runspace, host, script, consoleText, standIns));
        }
        return request.Batch ? "[" + string.Join(",", results) + "]" : results[0];
    }

    private static string RunOne(Runspace runspace, ScriptHost scriptHost, string script, StringWriter consoleText, List<string> standIns)
    {
        scriptHost.ExitCode = null;
        var output = new List<string>();
        var errors = new List<string>();
        var errorDetails = new List<string>();
        var nativeStderr = new List<string>();
        var warnings = new List<string>();
        var host = new StringBuilder();
        consoleText.GetStringBuilder().Clear();

        using (PowerShell shell = PowerShell.Create())
        {
            shell.Runspace = runspace;
            // Not in a local scope: like lines typed at the prompt, the script defines things globally.
            shell.AddScript(script, useLocalScope: false);

            // Objects written before a terminating error are kept: the collection fills as they come.
            using var objects = new PSDataCollection<PSObject>();
            ErrorRecord? terminating = null;
            try
            {
                shell.Invoke<PSObject, PSObject>(null, objects, new PSInvocationSettings());
            }
            catch (RuntimeException e)
            {
                terminating = e.ErrorRecord;
            }
            catch (Exception e)
            {
                terminating = new ErrorRecord(e, "PwshHostUnexpectedException", ErrorCategory.NotSpecified, null);
            }

            foreach (PSObject item in objects)
            {
                output.Add(AsString(item));
            }
            foreach (ErrorRecord record in shell.Streams.Error)
            {
                if (IsNativeStderr(record))
                {
                    nativeStderr.Add(record.ToString());
                    continue;
                }
                errors.Add(record.ToString());
                errorDetails.Add(Describe(record));
            }
            if (terminating != null)
            {
                errors.Add(terminating.ToString());
                errorDetails.Add(Describe(terminating));
            }
            foreach (WarningRecord warning in shell.Streams.Warning)
            {
                warnings.Add(warning.Message);
            }
            foreach (InformationRecord information in shell.Streams.Information)
            {
                if (information.MessageData is HostInformationMessage message)
                {
                    host.Append(message.Message);
                    if (message.NoNewLine != true) host.Append('\n');
                }
                else
                {
                    host.Append(AsString(information.MessageData)).Append('\n');
                }
            }
        }
        Console.Out.Flush();

        var json = new StringBuilder("{");
        json.Append("\"output\":").Append(Json.Array(output));
        json.Append(",\"errors\":").Append(Json.Array(errors));
        json.Append(",\"errorDetails\":").Append(Json.Array(errorDetails));
        json.Append(",\"hadErrors\":").Append(errors.Count > 0 ? "true" : "false");
        json.Append(",\"nativeStderr\":").Append(Json.Array(nativeStderr));
        json.Append(",\"warnings\":").Append(Json.Array(warnings));
        json.Append(",\"host\":").Append(Json.Quote(host.ToString()));
        json.Append(",\"console\":").Append(Json.Quote(consoleText.ToString()));
        json.Append(",\"env\":").Append(Json.Object(CurrentEnvironment()));
        json.Append(",\"lastExitCode\":").Append(LastExitCode(runspace));
        json.Append(",\"exitCode\":").Append(scriptHost.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null");
        json.Append(",\"standIns\":").Append(Json.Array(standIns));
        return json.Append('}').ToString();
    }

    // The engine turns each stderr line of a native command into an error record with one of these
    // ids (the first line, then the rest) when stderr is not a terminal.
    private static bool IsNativeStderr(ErrorRecord record) =>
        record.FullyQualifiedErrorId is "NativeCommandError" or "NativeCommandErrorMessage";

    private static string Describe(ErrorRecord record)
    {
        string where = record.InvocationInfo?.PositionMessage ?? "";
        return $"{record} [{record.FullyQualifiedErrorId}]" + (where.Length > 0 ? "\n" + where : "");
    }

    private static string AsString(object? value)
    {
        if (value == null) return "";
        object baseObject = value is PSObject wrapped ? wrapped.BaseObject : value;
        if (baseObject is string text) return text;
        return LanguagePrimitives.ConvertTo<string>(value) ?? "";
    }

    private static SortedDictionary<string, string> CurrentEnvironment()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        }
        return result;
    }

    private static string LastExitCode(Runspace runspace)
    {
        object? value = runspace.SessionStateProxy.PSVariable.GetValue("global:LASTEXITCODE");
        if (value is PSObject wrapped) value = wrapped.BaseObject;
        if (value == null) return "null";
        try
        {
            return LanguagePrimitives.ConvertTo<long>(value).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PSInvalidCastException)
        {
            return "null";
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int dup2(int oldFd, int newFd);

    private static Stream ClaimStdout()
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                int answerFd = dup(1);
                if (answerFd >= 0 && dup2(2, 1) >= 0)
                {
                    var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)answerFd, ownsHandle: true);
                    return new FileStream(handle, FileAccess.Write, 1);
                }
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Fall through: keep using stdout as it is.
            }
        }
        return Console.OpenStandardOutput();
    }
}

/// <summary>
/// The engine's host. It has no user interface (like the engine's default host, so Write-Host and
/// Out-Host show nothing and the information stream is read instead); it exists to learn the status
/// of an `exit` at the top level of a script, which would have closed an interactive pwsh.
/// </summary>
internal sealed class ScriptHost : System.Management.Automation.Host.PSHost
{
    public int? ExitCode { get; set; }

    public override string Name => "pwsh-host";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override System.Management.Automation.Host.PSHostUserInterface? UI => null;
    public override System.Globalization.CultureInfo CurrentCulture => System.Globalization.CultureInfo.CurrentCulture;
    public override System.Globalization.CultureInfo CurrentUICulture => System.Globalization.CultureInfo.CurrentUICulture;
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("pwsh-host has no nested prompt");
    public override void ExitNestedPrompt() => throw new NotSupportedException("pwsh-host has no nested prompt");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

internal sealed class RequestException(string message) : Exception(message);

internal sealed class Request
{
    public List<string> Scripts { get; } = new();
    public bool Batch { get; private set; }
    public List<(string Name, string? Value)> Env { get; } = new();
    public bool StandIns { get; private set; } = true;

    public static Request Parse(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new RequestException("the request is not JSON: " + e.Message);
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new RequestException("the request must be a JSON object");
            var request = new Request();
            bool hasScript = root.TryGetProperty("script", out JsonElement script);
            bool hasScripts = root.TryGetProperty("scripts", out JsonElement scripts);
            if (hasScript == hasScripts) throw new RequestException("the request needs exactly one of \"script\" and \"scripts\"");
            if (hasScript)
            {
                request.Scripts.Add(ReadString(script, "script"));
            }
            else
            {
                if (scripts.ValueKind != JsonValueKind.Array || scripts.GetArrayLength() == 0)
                {
                    throw new RequestException("\"scripts\" must be a non-empty array of strings");
                }
                request.Batch = true;
                foreach (JsonElement item in scripts.EnumerateArray()) request.Scripts.Add(ReadString(item, "scripts[]"));
            }
            if (root.TryGetProperty("env", out JsonElement env) && env.ValueKind != JsonValueKind.Null)
            {
                if (env.ValueKind != JsonValueKind.Object) throw new RequestException("\"env\" must be an object");
                foreach (JsonProperty variable in env.EnumerateObject())
                {
                    if (variable.Name.Length == 0 || variable.Name.Contains('=') || variable.Name.Contains('\0'))
                    {
                        throw new RequestException($"{JsonSerializer.Serialize(variable.Name)} cannot be an environment variable name");
                    }
                    string? value = variable.Value.ValueKind == JsonValueKind.Null ? null : ReadString(variable.Value, "env." + variable.Name);
                    request.Env.Add((variable.Name, value));
                }
            }
            if (root.TryGetProperty("standIns", out JsonElement standIns))
            {
                if (standIns.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw new RequestException("\"standIns\" must be true or false");
                }
                request.StandIns = standIns.GetBoolean();
            }
            return request;
        }
    }

    private static string ReadString(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.String) throw new RequestException($"{what} must be a string");
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new RequestException($"{what} is not valid UTF-16 text: {e.Message}");
        }
    }
}

/// <summary>JSON output written by hand: ASCII only, every other UTF-16 unit escaped, so any string round-trips.</summary>
internal static class Json
{
    public static string Quote(string value)
    {
        var json = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7e) json.Append("\\u").Append(((int)c).ToString("x4"));
                    else json.Append(c);
                    break;
            }
        }
        return json.Append('"').ToString();
    }

    public static string Array(IEnumerable<string> values) => "[" + string.Join(",", values.Select(Quote)) + "]";

    public static string Object(IEnumerable<KeyValuePair<string, string>> entries) =>
        "{" + string.Join(",", entries.Select(entry => Quote(entry.Key) + ":" + Quote(entry.Value))) + "}";
}

internal static class StandIns
{
    private static readonly (string Name, Type Type)[] All =
    {
        ("Invoke-Expression", typeof(InvokeExpressionStandIn)),
        ("Out-String", typeof(OutStringStandIn)),
        ("Write-Output", typeof(WriteOutputStandIn)),
        ("Write-Host", typeof(WriteHostStandIn)),
        ("Write-Error", typeof(WriteErrorStandIn)),
        ("Remove-Item", typeof(RemoveItemStandIn)),
        ("Test-Path", typeof(TestPathStandIn)),
        ("Get-ChildItem", typeof(GetChildItemStandIn)),
    };

    /// <summary>Adds each stand-in whose real cmdlet the session lacks; returns the names added.</summary>
    public static List<string> AddMissing(InitialSessionState state)
    {
        var added = new List<string>();
        foreach (var (name, type) in All)
        {
            if (state.Commands[name].Count > 0) continue;
            state.Commands.Add(new SessionStateCmdletEntry(name, type, helpFileName: null));
            added.Add(name);
        }
        return added;
    }
}

/// <summary>
/// Invoke-Expression: parses the string and runs it in the caller's scope (a compiled cmdlet has no
/// scope of its own), writing its output to this pipeline. Empty or null input is a binding error,
/// as with the real cmdlet.
/// </summary>
public sealed class InvokeExpressionStandIn : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    public string Command { get; set; } = "";

    protected override void ProcessRecord()
    {
        InvokeCommand.InvokeScript(Command, false, PipelineResultTypes.Output | PipelineResultTypes.Error, null);
    }
}

/// <summary>
/// Out-String for text: each input string followed by a newline (or nothing with -NoNewline), all
/// in one string, written at the end. Numbers, booleans and other scalars are converted as
/// PowerShell converts them. Anything else would need the formatting engine's tables and lists,
/// which the stand-in does not have: it says so with a terminating error.
/// </summary>
public sealed class OutStringStandIn : PSCmdlet
{
    private readonly StringBuilder _text = new();

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject == null) return;
        object value = InputObject.BaseObject;
        string text;
        if (value is string s)
        {
            text = s;
        }
        else if (value is char || value is bool || value is Enum || value.GetType().IsPrimitive || value is decimal)
        {
            text = LanguagePrimitives.ConvertTo<string>(value);
        }
        else
        {
            ThrowTerminatingError(new ErrorRecord(
                new NotSupportedException($"pwsh-host's stand-in Out-String formats text and scalars only, not {value.GetType().FullName}"),
                "PwshHostOutStringUnsupported", ErrorCategory.NotImplemented, value));
            return;
        }
        _text.Append(text);
        if (!NoNewline) _text.Append(Environment.NewLine);
    }

    protected override void EndProcessing() => WriteObject(_text.ToString());
}

/// <summary>Write-Output: the object to the success stream, a collection unrolled unless -NoEnumerate.</summary>
public sealed class WriteOutputStandIn : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromRemainingArguments = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public PSObject? InputObject { get; set; }

    [Parameter]
    public SwitchParameter NoEnumerate { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject == null) WriteObject(null);
        else WriteObject(InputObject, enumerateCollection: !NoEnumerate);
    }
}

/// <summary>Write-Host: the objects, separated by -Separator, to the information stream as host text.</summary>
public sealed class WriteHostStandIn : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromRemainingArguments = true)]
    [Alias("Msg", "Message")]
    public object? Object { get; set; }

    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    [Parameter]
    public object Separator { get; set; } = " ";

    [Parameter]
    public ConsoleColor ForegroundColor { get; set; }

    [Parameter]
    public ConsoleColor BackgroundColor { get; set; }

    protected override void ProcessRecord()
    {
        var parts = new List<string>();
        Flatten(Object, parts);
        var message = new HostInformationMessage
        {
            Message = string.Join(LanguagePrimitives.ConvertTo<string>(Separator), parts),
            NoNewLine = NoNewline.IsPresent,
        };
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ForegroundColor))) message.ForegroundColor = ForegroundColor;
        if (MyInvocation.BoundParameters.ContainsKey(nameof(BackgroundColor))) message.BackgroundColor = BackgroundColor;
        WriteInformation(message, new[] { "PSHOST" });
    }

    private static void Flatten(object? value, List<string> parts)
    {
        if (value is PSObject wrapped) value = wrapped.BaseObject;
        if (value == null) return;
        if (value is string text)
        {
            parts.Add(text);
        }
        else if (value is IEnumerable items)
        {
            foreach (object? item in items) Flatten(item, parts);
        }
        else
        {
            parts.Add(LanguagePrimitives.ConvertTo<string>(value));
        }
    }
}

/// <summary>Write-Error -Message: one non-terminating error record, as the real cmdlet writes it.</summary>
public sealed class WriteErrorStandIn : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyString]
    [Alias("Msg")]
    public string? Message { get; set; }

    protected override void ProcessRecord()
    {
        var exception = new Exception(Message ?? "");
        WriteError(new ErrorRecord(exception, "Microsoft.PowerShell.Commands.WriteErrorException", ErrorCategory.NotSpecified, null));
    }
}

/// <summary>Shared -Path / -LiteralPath handling for the provider stand-ins.</summary>
public abstract class ProviderPathStandIn : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
    public string[] Path { get; set; } = System.Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "LiteralPath")]
    [Alias("PSPath", "LP")]
    public string[] LiteralPath { get; set; } = System.Array.Empty<string>();

    protected bool IsLiteral => ParameterSetName == "LiteralPath";

    protected string[] Paths => IsLiteral ? LiteralPath : Path;

    /// <summary>Runs one provider call, turning the provider's exceptions into non-terminating errors.</summary>
    protected void Each(Action<string> action)
    {
        foreach (string path in Paths)
        {
            try
            {
                action(path);
            }
            catch (RuntimeException e) when (e is not PipelineStoppedException)
            {
                WriteError(new ErrorRecord(e.ErrorRecord, e));
            }
        }
    }
}

/// <summary>Remove-Item -Path/-LiteralPath [-Recurse] [-Force], through the session's providers.</summary>
public sealed class RemoveItemStandIn : ProviderPathStandIn
{
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        Each(path => InvokeProvider.Item.Remove(new[] { path }, Recurse, Force, IsLiteral));
}

/// <summary>Test-Path -Path/-LiteralPath: whether each item exists (no -PathType, no -IsValid).</summary>
public sealed class TestPathStandIn : ProviderPathStandIn
{
    protected override void ProcessRecord()
    {
        foreach (string path in Paths)
        {
            bool exists;
            try
            {
                exists = path.Length > 0 && InvokeProvider.Item.Exists(path, false, IsLiteral);
            }
            catch (RuntimeException e) when (e is not PipelineStoppedException)
            {
                // The real Test-Path answers false for a path on a drive that does not exist.
                exists = false;
            }
            WriteObject(exists);
        }
    }
}

/// <summary>Get-ChildItem -Path/-LiteralPath [-Recurse] [-Force]; the path is required here.</summary>
public sealed class GetChildItemStandIn : ProviderPathStandIn
{
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        Each(path => WriteObject(InvokeProvider.ChildItem.Get(new[] { path }, Recurse, Force, IsLiteral), true));
}
