"""
What sweep.py and sse.py share: the boto3 client of the Coffer server under test (COFFER_ENDPOINT,
COFFER_ACCESS_KEY, COFFER_SECRET_KEY, COFFER_REGION), the checks a section makes, and the command
line: `script.py` lists the sections as JSON, `script.py SECTION` runs one and prints one JSON line
{"section", "checks", "failures": [{"name", "got", "want"}]}; an exception is a failure too.
"""
import json
import os
import sys
import traceback
import uuid

import boto3
import botocore
from botocore.config import Config

ENDPOINT = os.environ['COFFER_ENDPOINT']
REGION = os.environ['COFFER_REGION']
ACCESS_KEY = os.environ['COFFER_ACCESS_KEY']
SECRET_KEY = os.environ['COFFER_SECRET_KEY']


def client(signature_version='s3v4', region=REGION):
    return boto3.client(
        's3',
        endpoint_url=ENDPOINT,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=region,
        config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}, signature_version=signature_version),
    )


s3 = client()
checks = 0
failures = []


def check(name, got, want):
    global checks
    checks += 1
    if got != want:
        failures.append({'name': name, 'got': repr(got), 'want': repr(want)})


def outcome(f, *a, **k):
    """('OK', status) or (Code, status) of a call."""
    try:
        r = f(*a, **k)
        return ('OK', r['ResponseMetadata']['HTTPStatusCode'])
    except botocore.exceptions.ClientError as e:
        return (e.response['Error'].get('Code'), e.response['ResponseMetadata']['HTTPStatusCode'])


def bucket(name):
    b = f'{name}-{uuid.uuid4().hex[:8]}'
    s3.create_bucket(Bucket=b)
    return b


def main(sections):
    """Runs the section the command line names (or lists them all) and prints its report."""
    if len(sys.argv) != 2 or sys.argv[1] not in sections:
        print(json.dumps({'sections': list(sections)}))
        sys.exit(0 if len(sys.argv) == 1 else 2)
    section = sys.argv[1]
    try:
        sections[section]()
    except Exception:
        failures.append({'name': 'exception', 'got': traceback.format_exc(), 'want': 'no exception'})
    print(json.dumps({'section': section, 'checks': checks, 'failures': failures}))
