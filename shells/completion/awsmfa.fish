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

__AWSMFA_COMPLETION_DATA__
