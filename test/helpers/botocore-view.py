"""What botocore (the AWS CLI's reader) makes of a config and a credentials file.

Reads one JSON request per line on stdin ({"env": {...}}), answers one JSON line on stdout, so that one
long-lived process serves a whole test file. Never contacts AWS: role credentials are deferred, and only
the configuration the deferred fetchers hold is reported.
"""
import json
import os
import sys

import botocore.session
from botocore.credentials import AssumeRoleProvider, CredentialResolver, ProfileProviderBuilder


def flat(keys):
    out = {}
    for key, value in keys.items():
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                out[key + '.' + inner] = inner_value
        else:
            out[key] = value
    return out


def describe(credentials):
    """Static keys, or the role chain down to them, from botocore's (deferred) credentials."""
    hops = []
    while credentials is not None and hasattr(credentials, '_refresh_using'):
        refresh = credentials._refresh_using
        fetcher = getattr(refresh, '__self__', None)
        if fetcher is None:  # wrapped by create_mfa_serial_refresher
            fetcher = refresh._refresh.__self__
        hops.append({'roleArn': fetcher._role_arn, 'mfaSerial': fetcher._assume_kwargs.get('SerialNumber')})
        credentials = fetcher._source_credentials
    if credentials is None:
        return None
    return {'accessKeyId': credentials.access_key, 'roles': hops}


def resolve(session, name):
    builder = ProfileProviderBuilder(session, cache={})
    profile = session.full_config['profiles'][name]
    try:
        if 'role_arn' in profile and 'web_identity_token_file' not in profile:
            provider = AssumeRoleProvider(
                load_config=lambda: session.full_config,
                client_creator=session.create_client,
                cache={},
                profile_name=name,
                credential_sourcer=None,
                profile_provider_builder=builder,
            )
            return describe(provider.load())
        return describe(CredentialResolver(builder.providers(profile_name=name, disable_env_vars=True)).load_credentials())
    except Exception as error:  # noqa: BLE001 - any refusal is an answer
        return {'error': type(error).__name__}


SESSION = botocore.session.Session()


def fresh_session():
    """The one Session, with everything it read before forgotten (a new Session costs ~60 ms)."""
    SESSION._config = None
    SESSION._profile_map = None
    SESSION._profile = None
    SESSION._credentials = None
    return SESSION


def view(env, resolve_names):
    os.environ.clear()
    os.environ.update(env)
    session = fresh_session()
    try:
        profiles = session.full_config['profiles']
    except Exception as error:  # noqa: BLE001
        return {'error': type(error).__name__, 'message': str(error)}
    result = {'profiles': {name: flat(keys) for name, keys in profiles.items()}, 'resolved': {}}
    for name in profiles if resolve_names else []:
        result['resolved'][name] = resolve(session, name)
    result['selected'] = session.profile
    return result


def main():
    home = os.environ.get('HOME', '/nonexistent')
    for line in sys.stdin:
        request = json.loads(line)
        env = {'HOME': home, 'PATH': '/usr/bin:/bin'}
        env.update(request.get('env', {}))
        try:
            answer = view(env, request.get('resolve', True))
        except Exception as error:  # noqa: BLE001
            answer = {'crash': '%s: %s' % (type(error).__name__, error)}
        sys.stdout.write(json.dumps(answer) + '\n')
        sys.stdout.flush()


main()
