/**
 * boto3 (Debian's python3-boto3 1.26; PyPI is out of reach, `.ci/run` installs it) driving a sweep of
 * S3 behaviour: buckets, objects, conditional writes, listing, copy and tags, multipart, versioning,
 * access control, lifecycle. The checks live in boto3/sweep.py, one section per `it`; each prints
 * its failures as JSON, and a section passes when it ran all its checks and none failed.
 */
import { describeBoto3Script } from './helpers/boto3.js';

/** Each section and the number of checks it makes: a section cut short by an exception is caught by the count too. */
const SECTIONS: [section: string, checks: number][] = [
  ['buckets', 38],
  ['objects', 46],
  ['conditional_writes', 6],
  ['listing', 13],
  ['copy_and_tags', 13],
  ['multipart', 21],
  ['versioning', 11],
  ['access', 26],
  ['lifecycle', 7],
  ['logging_and_inventory', 7],
  ['encryption_and_lock', 15],
  ['sigv2', 7],
];

describeBoto3Script('boto3 1.26 (path style)', 'sweep.py', SECTIONS);
