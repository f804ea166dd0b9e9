# fish completion for awsmfa: commands, flags, shell names and the profile names of the AWS config.
# completions/awsmfa.fish is this template with the data line below filled in from the command
# definitions (`awsmfa completions fish` prints it); `awsmfa init fish` includes it.
#
# Tab must stay instant, so nothing here starts a process: profile names are read from the config
# files by fish itself, with builtins.

# Loading this twice (the completions directory and `awsmfa init`) must not add everything twice.
complete -c awsmfa -e
# Nothing of awsmfa's takes a file, except where an entry below says so.
complete -c awsmfa -f

# Profile names from the files the AWS CLI reads, by the AWS SDK's rules: [profile NAME] and [default]
# in the config file, [NAME] in the credentials file, comments from a ; or # that starts a line or
# follows a blank, and a section with no setting is no profile. With --mfa, only the profiles with
# mfa_serial or role_arn.
function __awsmfa_read_profiles
    set -l all
    set -l mfa
    for from in config credentials
        set -l file $AWS_CONFIG_FILE
        test $from = credentials; and set file $AWS_SHARED_CREDENTIALS_FILE
        if test -z "$file"
            set file $HOME/.aws/$from
        else if string match -q '~/*' -- $file
            set file $HOME/(string sub -s 3 -- $file)
        end
        test -f "$file" -a -r "$file"; or continue
        set -l section ''
        set -l subsection ''
        while read -l raw
            set -l line (string replace -r '(^|\s)[;#].*$' '' -- $raw | string trim)
            if string match -qr '^\[.*\]$' -- $line
                set -l name (string sub -s 2 -e -1 -- $line)
                set section ''
                set subsection ''
                # `prefix name` (one blank, the name maybe quoted) is a typed section: only `profile`
                # names a profile, and only in the config file; anything else is a plain section name.
                set -l typed '^([\w-]+)\s(["\']?)([\w@+.%:/-]+)\2$'
                if string match -qr -- $typed $name
                    if test $from = config; and test (string replace -r -- $typed '$1' $name) = profile
                        set section (string replace -r -- $typed '$3' $name)
                    end
                else if test $from = credentials
                    set section $name
                else if test "$name" = default
                    set section default
                end
            else if test -n "$section"; and string match -qr '^[^=]+=' -- $line
                set -l key (string replace -r '=.*' '' -- $line | string trim)
                set -l value (string replace -r '^[^=]*=' '' -- $line | string trim)
                if test -z "$value"
                    set subsection $key
                    continue
                end
                # Like the SDK, a section counts as a profile once it has a setting.
                contains -- $section $all; or set -a all $section
                # An indented line stays in the sub-section (`s3 =` and what follows); others end it.
                if test -n "$subsection"; and not string match -qr '^\s' -- $raw
                    set subsection ''
                end
                if test -z "$subsection"; and contains -- "$key" mfa_serial role_arn; and not contains -- $section $mfa
                    set -a mfa $section
                end
            end
        end <$file
    end
    if contains -- --mfa $argv
        printf '%s\n' $mfa
    else
        printf '%s\n' $all
    end
end

# The command word: the first argument that is not an option.
function __awsmfa_command_word
    for token in (commandline -opc)[2..-1]
        string match -q -- '-*' $token; and continue
        printf '%s\n' $token
        return 0
    end
    return 1
end

function __awsmfa_needs_command
    not __awsmfa_command_word >/dev/null
end

function __awsmfa_using
    set -l command (__awsmfa_command_word); or return 1
    contains -- $command $argv
end

# Whether the word being completed is argument number $index (1-based; `rest`: any after the last
# fixed one) of $command: counts the arguments before it, skipping options and their values.
function __awsmfa_argument --argument-names command index
    set -l seen_command ''
    set -l expect ''
    set -l ended ''
    set -l position 0
    for token in (commandline -opc)[2..-1]
        if test -n "$expect"
            set expect ''
        else if test -z "$seen_command"
            string match -q -- '-*' $token; and continue
            test "$token" = "$command"; or return 1
            set seen_command 1
        else if test -z "$ended" -a "$token" = --
            set ended 1
        else if test -z "$ended"; and string match -q -- '-*' $token
            if not string match -q -- '*=*' $token; and __awsmfa_takes_value $command $token
                set expect 1
            end
        else
            set position (math $position + 1)
        end
    end
    test -n "$seen_command" -a -z "$expect"; or return 1
    if test -z "$ended"; and string match -q -- '-*' (commandline -ct)
        return 1
    end
    if test "$index" = rest
        test $position -ge (__awsmfa_fixed_arguments $command)
    else
        test $position -eq (math $index - 1)
    end
end

# Whether option $option of command $command takes a value.
function __awsmfa_takes_value --argument-names command option
    switch "$command $option"
        case 'env --shell' 'env --token-code' 'env -c' 'env --duration' 'env -d' 'unset --shell' 'exec --token-code' 'exec -c' 'exec --duration' 'exec -d' 'credential-process --duration' 'credential-process -d' 'login --to-profile' 'login -t' 'login --token-code' 'login -c' 'login --duration' 'login -d' 'setup --access-key-id' 'setup --mfa-serial' 'setup --token-code' 'setup -c' 'setup --region' 'setup --duration' 'setup -d' 'setup --store' 'policy --profile' 'policy -p' 'policy --account' 'policy --user' 'policy --role-account' 'policy --role-name' 'policy --max-age' 'demo --shell' 'use --shell' 'use --token-code' 'use -c' 'use --duration' 'use -d' 'init --cmd' 'init --alias-prefix'
            return 0
    end
    return 1
end

# How many arguments command $command takes before any number more.
function __awsmfa_fixed_arguments --argument-names command
    switch $command
        case env
            echo 1
        case unset
            echo 0
        case exec
            echo 1
        case credential-process
            echo 1
        case login
            echo 1
        case status
            echo 0
        case list
            echo 0
        case clear
            echo 1
        case setup
            echo 1
        case policy
            echo 1
        case doctor
            echo 1
        case demo
            echo 0
        case use
            echo 1
        case init
            echo 1
        case completions
            echo 1
        case '*'
            echo 0
    end
end

complete -c awsmfa -n __awsmfa_needs_command -a env -d 'print shell code that exports an MFA session for a profile'
complete -c awsmfa -n __awsmfa_needs_command -a unset -d 'print shell code that removes the session and restores what `env` replaced'
complete -c awsmfa -n __awsmfa_needs_command -a exec -d 'run a command (or a shell) with an MFA session in its environment only'
complete -c awsmfa -n __awsmfa_needs_command -a credential-process -d 'print the session as credential_process JSON, for the AWS CLI and SDKs'
complete -c awsmfa -n __awsmfa_needs_command -a login -d 'write an MFA session into ~/.aws/credentials as a profile of its own'
complete -c awsmfa -n __awsmfa_needs_command -a status -d 'show this shell\'s session and the cached ones, with the time left'
complete -c awsmfa -n __awsmfa_needs_command -a list -d 'list the profiles: which need MFA, which are roles and through which source, which have a live session'
complete -c awsmfa -n __awsmfa_needs_command -a clear -d 'forget cached sessions (all of them, or those of one profile)'
complete -c awsmfa -n __awsmfa_needs_command -a setup -d 'set up a profile from an access key and an MFA device, checked with AWS before anything is written'
complete -c awsmfa -n __awsmfa_needs_command -a policy -d 'print an IAM policy that makes MFA mandatory, filled with the account and user'
complete -c awsmfa -n __awsmfa_needs_command -a doctor -d 'check config, keys, MFA device, clock, environment and shell integration, and say how to fix each problem'
complete -c awsmfa -n __awsmfa_needs_command -a demo -d 'try awsmfa with no AWS account: a demo shell against a loopback STS emulator'
complete -c awsmfa -n __awsmfa_needs_command -a use -d 'start an MFA session in this shell (through the shell integration, `awsmfa init`)'
complete -c awsmfa -n __awsmfa_needs_command -a init -d 'print the shell integration: `awsmfa use`, the prompt countdown, completions, aliases'
complete -c awsmfa -n __awsmfa_needs_command -a completions -d 'print the completion script for a shell'
complete -c awsmfa -n __awsmfa_needs_command -l help -s h -d 'show the help'
complete -c awsmfa -n __awsmfa_needs_command -l version -d 'print the version of awsmfa'
complete -c awsmfa -n '__awsmfa_using env' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)'
complete -c awsmfa -n '__awsmfa_using env' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using env' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using env' -l force -s f -d 'Get a new session even if a cached one is still valid (for a role, the role\'s; its MFA session is kept)'
complete -c awsmfa -n '__awsmfa_using env' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using env' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument env 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using unset' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)'
complete -c awsmfa -n '__awsmfa_using unset' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using exec' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using exec' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using exec' -l force -s f -d 'Get a new session even if a cached one is valid, and run even inside another awsmfa exec'
complete -c awsmfa -n '__awsmfa_using exec' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using exec' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument exec 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_argument exec rest' -F
complete -c awsmfa -n '__awsmfa_using credential-process' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using credential-process' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument credential-process 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using login' -l to-profile -s t -x -a '(__awsmfa_read_profiles)' -d 'The profile (section of the credentials file) to write the session to'
complete -c awsmfa -n '__awsmfa_using login' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using login' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using login' -l force -s f -d 'Get a new session even if a cached one is still valid (for a role, the role\'s; its MFA session is kept)'
complete -c awsmfa -n '__awsmfa_using login' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using login' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument login 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using status' -l json -d 'Print stable JSON on stdout instead of text (schema in schemas/)'
complete -c awsmfa -n '__awsmfa_using status' -l verify -d 'Ask STS (GetCallerIdentity) whose keys this shell\'s are'
complete -c awsmfa -n '__awsmfa_using status' -l debug -d 'Show each STS request (secrets redacted) and stack traces on stderr'
complete -c awsmfa -n '__awsmfa_using status' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using list' -l json -d 'Print stable JSON on stdout instead of text (schema in schemas/)'
complete -c awsmfa -n '__awsmfa_using list' -l debug -d 'Show each STS request (secrets redacted) and stack traces on stderr'
complete -c awsmfa -n '__awsmfa_using list' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using clear' -l all -s a -d 'Also forget the records of used MFA codes and leftover temporary files'
complete -c awsmfa -n '__awsmfa_using clear' -l debug -d 'Show each STS request (secrets redacted) and stack traces on stderr'
complete -c awsmfa -n '__awsmfa_using clear' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument clear 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using setup' -l access-key-id -x -d 'The IAM user\'s access key ID (AKIA…)'
complete -c awsmfa -n '__awsmfa_using setup' -l secret-stdin -d 'Read the secret access key from the first line of standard input'
complete -c awsmfa -n '__awsmfa_using setup' -l mfa-serial -x -d 'The MFA device ARN (default: the one named after the user, arn:aws:iam::ACCOUNT:mfa/USER)'
complete -c awsmfa -n '__awsmfa_using setup' -l token-code -s c -x -d 'The six-digit MFA code that proves the device (default: asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using setup' -l region -x -d 'The region for the profile (default: its current one, else asked)'
complete -c awsmfa -n '__awsmfa_using setup' -l duration -s d -x -d 'Session length: seconds, or e.g. 12h (default: the current one, else 12h)'
complete -c awsmfa -n '__awsmfa_using setup' -l store -x -d 'Where the secret is kept: file (~/.aws/credentials) or keyring (the OS keyring)'
complete -c awsmfa -n '__awsmfa_using setup' -l remove-keys -d 'Delete the profile\'s long-term keys from the keyring and the files; keep the rest'
complete -c awsmfa -n '__awsmfa_using setup' -l yes -s y -d 'Ask nothing: take the current or proposed value of every answer not given as a flag'
complete -c awsmfa -n '__awsmfa_using setup' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument setup 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using policy' -l profile -s p -x -a '(__awsmfa_read_profiles)' -d 'Fill in the account and user of this profile\'s keys (asks GetCallerIdentity)'
complete -c awsmfa -n '__awsmfa_using policy' -l account -x -d 'The IAM user\'s account ID (12 digits)'
complete -c awsmfa -n '__awsmfa_using policy' -l user -x -d 'The IAM user name (with its path, if any: team/doug)'
complete -c awsmfa -n '__awsmfa_using policy' -l role-account -x -d 'mfa-role-trust: the account the role is in, when not the user\'s'
complete -c awsmfa -n '__awsmfa_using policy' -l role-name -x -d 'mfa-role-trust: the role\'s name, for the commands in the explanation (default: mfa-role)'
complete -c awsmfa -n '__awsmfa_using policy' -l max-age -x -d 'mfa-role-trust: the most seconds since the MFA code was typed (aws:MultiFactorAuthAge)'
complete -c awsmfa -n '__awsmfa_using policy' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument policy 1' -F
complete -c awsmfa -n '__awsmfa_using doctor' -l offline -d 'Skip the checks that ask STS (keys accepted, clock offset)'
complete -c awsmfa -n '__awsmfa_using doctor' -l json -d 'Print stable JSON on stdout instead of text (schema in schemas/)'
complete -c awsmfa -n '__awsmfa_using doctor' -l debug -d 'Show each STS request (secrets redacted) and stack traces on stderr'
complete -c awsmfa -n '__awsmfa_using doctor' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument doctor 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using demo' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to start: bash, zsh, fish or pwsh (default: the one you are in)'
complete -c awsmfa -n '__awsmfa_using demo' -l script -d 'Run the whole flow without a terminal and print it (the default when stdin is not a terminal)'
complete -c awsmfa -n '__awsmfa_using demo' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using use' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)'
complete -c awsmfa -n '__awsmfa_using use' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using use' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using use' -l force -s f -d 'Get a new session even if a cached one is still valid (for a role, the role\'s; its MFA session is kept)'
complete -c awsmfa -n '__awsmfa_using use' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using use' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument use 1' -a '(__awsmfa_read_profiles)'
complete -c awsmfa -n '__awsmfa_using init' -l cmd -x -a '(__fish_complete_command)' -d 'Name of the wrapper function (default: awsmfa)'
complete -c awsmfa -n '__awsmfa_using init' -l no-prompt -d 'Leave the prompt alone'
complete -c awsmfa -n '__awsmfa_using init' -l no-aliases -d 'Define no per-profile aliases'
complete -c awsmfa -n '__awsmfa_using init' -l alias-prefix -x -d 'What the per-profile aliases start with (default: aws-)'
complete -c awsmfa -n '__awsmfa_using init' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument init 1' -a 'bash zsh fish pwsh'
complete -c awsmfa -n '__awsmfa_using completions' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument completions 1' -a 'bash zsh fish pwsh'
