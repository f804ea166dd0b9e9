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

__AWSMFA_COMPLETION_DATA__
