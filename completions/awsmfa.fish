# fish completion for awsmfa: commands, flags, shell names and the profile names of the AWS config.
# completions/awsmfa.fish is this template with the data line below filled in from the command
# definitions (`awsmfa completions fish` prints it); `awsmfa init fish` includes it.
#
# Tab must stay instant whatever the size of the config, so profile names come from the index awsmfa
# keeps (below); a Tab starts a process only when a config file changed since the index was made.

# Loading this twice (the completions directory and `awsmfa init`) must not add everything twice.
complete -c awsmfa -e
# Nothing of awsmfa's takes a file, except where an entry below says so.
complete -c awsmfa -f

# The profile index: what awsmfa read from the AWS config files (profile names, the directory of the
# alias functions), kept in a file of plain lines under its cache directory. Reading it costs one
# `read`, whatever the size of the config; noticing that the config changed costs a few `path mtime`.
# Sets __awsmfa_index_profiles (the names, then an empty element) and __awsmfa_index_functions. $argv[1] is the alias prefix; with
# `strict` the index must also have been made for this PATH and prefix (the aliases depend on them;
# the profile names do not), and only its header is read: a shell start needs no profile names.
function __awsmfa_load_index
    set -l base $HOME/.cache
    string match -q '/*' -- "$XDG_CACHE_HOME"; and set base $XDG_CACHE_HOME
    # One index per alias prefix, its characters other than letters, digits, _ and - spelled as _.
    set -l file $base/awsmfa/shell/index-(string replace -ra -- '[^A-Za-z0-9_-]' _ "$argv[1]").fish
    __awsmfa_read_index $file $argv[1] "$argv[2]" check; and return 0
    # Changed (or never made): awsmfa makes it again, once, and what it just wrote is used as it is
    # (or, should that run fail, what there is).
    __awsmfa_refresh_index $argv[1]
    __awsmfa_read_index $file $argv[1] "$argv[2]" ''; and return 0
    set -g __awsmfa_index_profiles
    set -g __awsmfa_index_functions ''
    return 1
end

# Reads the index in $argv[1] when it was made for this environment and, with $argv[4], when no watched
# file or directory is newer than it (a file replaced by a rename changes its directory's time). fish
# compares whole seconds; awsmfa dates the index a second early, so a change within one is not missed.
function __awsmfa_read_index
    set -l file $argv[1]
    test -f $file -a -r $file; or return 1
    # The twelve lines of the header by one `read` (a line a variable; those a short file lacks are
    # left empty, and the twelfth, a number, then fails its test below); for the aliases nothing more is
    # needed, for completion the names after it go straight into the list by one builtin (a `string
    # split` of the text would pass thousands of lines through a command substitution, and each copy of
    # a list of thousands costs milliseconds).
    set -l lines
    set -g __awsmfa_index_profiles
    begin
        read -l -L h1 h2 h3 h4 h5 h6 h7 h8 h9 h10 h11 h12
        set lines "$h1" "$h2" "$h3" "$h4" "$h5" "$h6" "$h7" "$h8" "$h9" "$h10" "$h11" "$h12"
        test -n "$argv[3]"; or read -g -z -d \n -a __awsmfa_index_profiles
    end <$file
    test "$lines[1]" = 'awsmfa-index 1' -a "$lines[2]" = "$AWS_CONFIG_FILE" -a "$lines[3]" = "$AWS_SHARED_CREDENTIALS_FILE" -a "$lines[4]" = "$HOME"; or return 1
    if test -n "$argv[3]"
        test "$lines[5]" = (string join : -- $PATH) -a "$lines[6]" = "$argv[2]"; or return 1
    end
    if test -n "$argv[4]"
        # The index's own time, then those of the watched files that exist (a missing one prints
        # nothing): one command substitution for all of them.
        set -l times (path mtime -- $file $lines[7..10]); or return 1
        for changed in $times[2..-1]
            test $changed -gt $times[1]; and return 1
        end
    end
    string match -qr '^[0-9]+$' -- $lines[12]; or return 1
    set -g __awsmfa_index_functions $lines[11]
    test -n "$argv[3]"; and return 0
    # The file ends with a line break, which leaves an empty element after the names. It stays: fish
    # offers no empty candidate, and removing it would copy the whole list. Any other count than the
    # header's (one more with that empty element, the header's without it) is a file cut short (or not
    # awsmfa's), and offers no names rather than some.
    set -l count $lines[12]
    set -l after (math $count + 1; math $count + 2)
    if test $count -gt 0
        if set -q __awsmfa_index_profiles[$after[1]]
            test -z "$__awsmfa_index_profiles[$after[1]]"; and not set -q __awsmfa_index_profiles[$after[2]]; and return 0
        else
            test -n "$__awsmfa_index_profiles[$count]"; and return 0
        end
    end
    set -g __awsmfa_index_profiles
    return 0
end

# Asks awsmfa to make the index again; quiet, as nobody asked for it.
function __awsmfa_refresh_index
    if functions -q __awsmfa_run
        __awsmfa_run shell-index --shell fish --alias-prefix $argv[1] >/dev/null 2>&1
    else
        command awsmfa shell-index --shell fish --alias-prefix $argv[1] >/dev/null 2>&1
    end
end

# The profile names Tab offers, left in __awsmfa_index_profiles, which `complete -a` expands: a
# condition of the profile entries, so it runs just before their candidates are expanded. Offering a
# variable spares fish a command substitution of thousands of lines; and with a word begun, only the
# names that start with it are offered (fish matches each candidate against that word again, at a
# cost per candidate). When none starts with it, all are, so that fish's own substring and fuzzy
# matching still find `admin` in `acct1-admin`. Always true: it only prepares the candidates. It comes
# after a condition that parsed the line, and takes the word begun from there.
function __awsmfa_offer_profiles
    set -l prefix aws-
    set -q __awsmfa_alias_prefix; and set prefix $__awsmfa_alias_prefix
    __awsmfa_load_index $prefix
    set -l token $__awsmfa_parsed_token
    if test -n "$token"
        set -l starting (string match -- "$token*" $__awsmfa_index_profiles)
        and set -g __awsmfa_index_profiles $starting
    end
    return 0
end

# What the words before the cursor say, worked out once per command line: every entry's condition
# asks, a few dozen times per Tab, and each walk of the words costs a command substitution and a loop.
# Sets __awsmfa_parsed_command (the first argument that is not an option; empty before it), _position
# (how many of its arguments come before the word being completed), _expect (that word is an option's
# value), _option (that word is an option, and no `--` came before it) and _token (that word, as far
# as the cursor).
# The conditions below test whether the line is the one parsed themselves: a function call more for
# each of them would cost a Tab a tenth of its time again. They take the line with `read`, not a
# command substitution: fish runs every entry's condition on each Tab (a few dozen of them), and a
# command substitution costs several times what the rest of a condition does. (`read -z` keeps the
# line's final line break, which the parsed line has too.)
function __awsmfa_parse
    commandline -cp | read -lz line
    set -l command ''
    set -l expect ''
    set -l ended ''
    set -l position 0
    for token in (commandline -opc)[2..-1]
        if test -n "$expect"
            set expect ''
        else if test -z "$command"
            string match -q -- '-*' $token; and continue
            set command $token
        else if test -z "$ended"; and test "$token" = --
            # (Two tests: in one, a word such as `-t` would be taken for an operator of test's own.)
            set ended 1
        else if test -z "$ended"; and string match -q -- '-*' $token
            if not string match -q -- '*=*' $token; and __awsmfa_takes_value $command $token
                set expect 1
            end
        else
            set position (math $position + 1)
        end
    end
    set -g __awsmfa_parsed_command $command
    set -g __awsmfa_parsed_expect $expect
    set -g __awsmfa_parsed_position $position
    set -g __awsmfa_parsed_option ''
    set -g __awsmfa_parsed_token (commandline -ct)
    if test -z "$ended"; and string match -q -- '-*' $__awsmfa_parsed_token
        set __awsmfa_parsed_option 1
    end
    set -g __awsmfa_parsed_line $line
end

function __awsmfa_needs_command
    commandline -cp | read -lz line
    test "$line" = "$__awsmfa_parsed_line"; or __awsmfa_parse
    test -z "$__awsmfa_parsed_command"
end

function __awsmfa_using
    commandline -cp | read -lz line
    test "$line" = "$__awsmfa_parsed_line"; or __awsmfa_parse
    contains -- "$__awsmfa_parsed_command" $argv
end

# Whether the word being completed is argument number $argv[1] (1-based; `rest`: any after the last
# fixed one) of one of the commands after it: the arguments before it counted, options and their
# values skipped.
function __awsmfa_argument
    commandline -cp | read -lz line
    test "$line" = "$__awsmfa_parsed_line"; or __awsmfa_parse
    test -z "$__awsmfa_parsed_expect" -a -z "$__awsmfa_parsed_option"; and contains -- "$__awsmfa_parsed_command" $argv[2..-1]; or return 1
    if test "$argv[1]" = rest
        test $__awsmfa_parsed_position -ge (__awsmfa_fixed_arguments $__awsmfa_parsed_command)
    else
        test $__awsmfa_parsed_position -eq (math $argv[1] - 1)
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
complete -c awsmfa -n '__awsmfa_using unset' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)'
complete -c awsmfa -n '__awsmfa_using unset' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using exec' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using exec' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using exec' -l force -s f -d 'Get a new session even if a cached one is valid, and run even inside another awsmfa exec'
complete -c awsmfa -n '__awsmfa_using exec' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using exec' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using credential-process' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using credential-process' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using login; and __awsmfa_offer_profiles' -l to-profile -s t -x -a '$__awsmfa_index_profiles' -d 'The profile (section of the credentials file) to write the session to'
complete -c awsmfa -n '__awsmfa_using login' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using login' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using login' -l force -s f -d 'Get a new session even if a cached one is still valid (for a role, the role\'s; its MFA session is kept)'
complete -c awsmfa -n '__awsmfa_using login' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using login' -l help -s h -d 'show the help'
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
complete -c awsmfa -n '__awsmfa_using policy; and __awsmfa_offer_profiles' -l profile -s p -x -a '$__awsmfa_index_profiles' -d 'Fill in the account and user of this profile\'s keys (asks GetCallerIdentity)'
complete -c awsmfa -n '__awsmfa_using policy' -l account -x -d 'The IAM user\'s account ID (12 digits)'
complete -c awsmfa -n '__awsmfa_using policy' -l user -x -d 'The IAM user name (with its path, if any: team/doug)'
complete -c awsmfa -n '__awsmfa_using policy' -l role-account -x -d 'mfa-role-trust: the account the role is in, when not the user\'s'
complete -c awsmfa -n '__awsmfa_using policy' -l role-name -x -d 'mfa-role-trust: the role\'s name, for the commands in the explanation (default: mfa-role)'
complete -c awsmfa -n '__awsmfa_using policy' -l max-age -x -d 'mfa-role-trust: the most seconds since the MFA code was typed (aws:MultiFactorAuthAge)'
complete -c awsmfa -n '__awsmfa_using policy' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using doctor' -l offline -d 'Skip the checks that ask STS (keys accepted, clock offset)'
complete -c awsmfa -n '__awsmfa_using doctor' -l json -d 'Print stable JSON on stdout instead of text (schema in schemas/)'
complete -c awsmfa -n '__awsmfa_using doctor' -l debug -d 'Show each STS request (secrets redacted) and stack traces on stderr'
complete -c awsmfa -n '__awsmfa_using doctor' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using demo' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to start: bash, zsh, fish or pwsh (default: the one you are in)'
complete -c awsmfa -n '__awsmfa_using demo' -l script -d 'Run the whole flow without a terminal and print it (the default when stdin is not a terminal)'
complete -c awsmfa -n '__awsmfa_using demo' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using use' -l shell -x -a 'bash zsh fish pwsh' -d 'The shell to print code for: bash, zsh, fish or pwsh (default: detected)'
complete -c awsmfa -n '__awsmfa_using use' -l token-code -s c -x -d 'The six-digit MFA code (default: mfa_process, else asked on the terminal)'
complete -c awsmfa -n '__awsmfa_using use' -l duration -s d -x -d 'Session length in seconds (default: duration_seconds, else 12 hours; 1 hour for roles)'
complete -c awsmfa -n '__awsmfa_using use' -l force -s f -d 'Get a new session even if a cached one is still valid (for a role, the role\'s; its MFA session is kept)'
complete -c awsmfa -n '__awsmfa_using use' -l force-mfa -d 'Also get a new MFA session, the one a role is assumed with (asks for a code)'
complete -c awsmfa -n '__awsmfa_using use' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using init' -l cmd -x -a '(__fish_complete_command)' -d 'Name of the wrapper function (default: awsmfa)'
complete -c awsmfa -n '__awsmfa_using init' -l no-prompt -d 'Leave the prompt alone'
complete -c awsmfa -n '__awsmfa_using init' -l no-aliases -d 'Define no per-profile aliases'
complete -c awsmfa -n '__awsmfa_using init' -l alias-prefix -x -d 'What the per-profile aliases start with (default: aws-)'
complete -c awsmfa -n '__awsmfa_using init' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_using completions' -l help -s h -d 'show the help'
complete -c awsmfa -n '__awsmfa_argument 1 env exec credential-process login clear setup doctor use; and __awsmfa_offer_profiles' -a '$__awsmfa_index_profiles'
complete -c awsmfa -n '__awsmfa_argument rest exec' -F
complete -c awsmfa -n '__awsmfa_argument 1 policy' -F
complete -c awsmfa -n '__awsmfa_argument 1 init completions' -a 'bash zsh fish pwsh'
