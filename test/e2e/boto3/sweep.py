"""
A sweep of S3 behaviour through boto3 (Debian's python3-boto3), run by test/e2e/clients-boto3.test.ts
against a live Coffer server. Usage: sweep.py SECTION (harness.py: the endpoint and credentials, the
JSON line it prints).
"""
import base64
import datetime
import hashlib
import json
import urllib.error
import urllib.request
import uuid

from harness import ENDPOINT, REGION, bucket, check, client, main, outcome, s3


def http(method, url, data=None, headers=None):
    """Status of a plain (unsigned or presigned) request."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def md5(data):
    return hashlib.md5(data).hexdigest()


def buckets():
    b = bucket('boto-buckets')
    check('create again', outcome(s3.create_bucket, Bucket=b), ('BucketAlreadyOwnedByYou', 409))
    # In S3's default region (us-east-1) S3 answers an owner's re-create with 200 and resets the ACL.
    s3.put_bucket_acl(Bucket=b, ACL='public-read')
    check('create again in us-east-1', outcome(client(region='us-east-1').create_bucket, Bucket=b), ('OK', 200))
    check('the ACL was reset', [g['Permission'] for g in s3.get_bucket_acl(Bucket=b)['Grants']], ['FULL_CONTROL'])
    for bad in ['ab', 'Upper-case', 'a..b', '-abc', 'abc-', '192.168.5.4', 'a' * 64, 'under_score']:
        check(f'invalid name {bad}', outcome(s3.create_bucket, Bucket=bad), ('InvalidBucketName', 400))
    check('delete a missing bucket', outcome(s3.delete_bucket, Bucket='no-such-bucket-x'), ('NoSuchBucket', 404))
    check('head a missing bucket', outcome(s3.head_bucket, Bucket='no-such-bucket-x'), ('404', 404))
    check('location', s3.get_bucket_location(Bucket=b).get('LocationConstraint'), REGION)
    check('listed', b in [x['Name'] for x in s3.list_buckets()['Buckets']], True)
    check('owner in ListBuckets', 'ID' in s3.list_buckets()['Owner'], True)
    check('dotted name', outcome(s3.create_bucket, Bucket=f'my.dotted.{uuid.uuid4().hex[:6]}'), ('OK', 200))
    s3.put_object(Bucket=b, Key='k', Body=b'')
    check('delete non-empty', outcome(s3.delete_bucket, Bucket=b), ('BucketNotEmpty', 409))
    s3.delete_object(Bucket=b, Key='k')
    check('delete empty', outcome(s3.delete_bucket, Bucket=b), ('OK', 204))
    pub = f'boto-public-{uuid.uuid4().hex[:8]}'
    s3.create_bucket(Bucket=pub, ACL='public-read')
    check('public-read bucket lists anonymously', http('GET', f'{ENDPOINT}/{pub}')[0], 200)
    check('public-read bucket refuses anonymous writes', http('PUT', f'{ENDPOINT}/{pub}/x', data=b'x')[0], 403)
    check('anonymous CreateBucket', http('PUT', f'{ENDPOINT}/anon-{uuid.uuid4().hex[:8]}')[0], 403)
    check('anonymous ListBuckets', http('GET', f'{ENDPOINT}/')[0], 403)
    for name, call, code in [
        ('encryption', s3.get_bucket_encryption, 'ServerSideEncryptionConfigurationNotFoundError'),
        ('website', s3.get_bucket_website, 'NoSuchWebsiteConfiguration'),
        ('object lock', s3.get_object_lock_configuration, 'ObjectLockConfigurationNotFoundError'),
        ('replication', s3.get_bucket_replication, 'ReplicationConfigurationNotFoundError'),
        ('ownership controls', s3.get_bucket_ownership_controls, 'OwnershipControlsNotFoundError'),
        ('public access block', s3.get_public_access_block, 'NoSuchPublicAccessBlockConfiguration'),
        ('cors', s3.get_bucket_cors, 'NoSuchCORSConfiguration'),
        ('lifecycle', s3.get_bucket_lifecycle_configuration, 'NoSuchLifecycleConfiguration'),
        ('policy', s3.get_bucket_policy, 'NoSuchBucketPolicy'),
        ('tagging', s3.get_bucket_tagging, 'NoSuchTagSet'),
    ]:
        check(f'no {name}', outcome(call, Bucket=pub), (code, 404))
    for name, call in [
        ('logging', s3.get_bucket_logging),
        ('notification', s3.get_bucket_notification_configuration),
        ('accelerate', s3.get_bucket_accelerate_configuration),
        ('request payment', s3.get_bucket_request_payment),
    ]:
        check(f'{name} read', outcome(call, Bucket=pub), ('OK', 200))
    check('requester pays', s3.get_bucket_request_payment(Bucket=pub)['Payer'], 'BucketOwner')


def objects():
    b = bucket('boto-objects')
    s3.put_object(
        Bucket=b, Key='foo', Body=b'bar', ContentType='text/x-foo', Metadata={'meta1': 'v1', 'Mixed': 'Case'},
        CacheControl='no-cache', ContentDisposition='attachment', ContentLanguage='en',
        Expires=datetime.datetime(2030, 1, 1),
    )
    r = s3.get_object(Bucket=b, Key='foo')
    check('body', r['Body'].read(), b'bar')
    wrong = base64.b64encode(hashlib.sha256(b'something else').digest()).decode()
    check('a wrong x-amz-checksum-sha256 is BadDigest',
          outcome(s3.put_object, Bucket=b, Key='digest', Body=b'abc', ChecksumAlgorithm='SHA256', ChecksumSHA256=wrong),
          ('BadDigest', 400))
    check('and stores nothing', outcome(s3.head_object, Bucket=b, Key='digest'), ('404', 404))
    # A '*' anywhere in an AllowedOrigin matches, and the answer names the request's Origin.
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={'CORSRules': [
        {'AllowedMethods': ['GET'], 'AllowedOrigins': ['*.suffix.test', 'http://start*end.test', 'https://prefix*']}]})
    s3.put_object_acl(Bucket=b, Key='foo', ACL='public-read')
    for origin in ['http://a.suffix.test', 'http://start-middle-end.test', 'https://prefix.example']:
        with urllib.request.urlopen(urllib.request.Request(f'{ENDPOINT}/{b}/foo', headers={'Origin': origin})) as res:
            check(f'CORS origin {origin}', res.headers.get('Access-Control-Allow-Origin'), origin)
    check('content type', r['ContentType'], 'text/x-foo')
    check('metadata (names lower-cased)', r['Metadata'], {'meta1': 'v1', 'mixed': 'Case'})
    check('content headers', (r.get('CacheControl'), r.get('ContentDisposition'), r.get('ContentLanguage')),
          ('no-cache', 'attachment', 'en'))
    check('etag', r['ETag'], f'"{md5(b"bar")}"')
    check('missing key', outcome(s3.get_object, Bucket=b, Key='nope'), ('NoSuchKey', 404))
    check('head missing key', outcome(s3.head_object, Bucket=b, Key='nope'), ('404', 404))
    check('open range', s3.get_object(Bucket=b, Key='foo', Range='bytes=1-')['Body'].read(), b'ar')
    check('suffix range', s3.get_object(Bucket=b, Key='foo', Range='bytes=-2')['Body'].read(), b'ar')
    check('unsatisfiable range', outcome(s3.get_object, Bucket=b, Key='foo', Range='bytes=5-'), ('InvalidRange', 416))
    r = s3.get_object(Bucket=b, Key='foo', Range='bytes=0-100')
    check('range past the end', (r['ContentRange'], r['Body'].read()), ('bytes 0-2/3', b'bar'))
    h = s3.head_object(Bucket=b, Key='foo', Range='bytes=0-1')
    check('HEAD with a range', (h['ResponseMetadata']['HTTPStatusCode'], h['ContentLength']), (206, 2))
    et = r['ETag']
    check('If-Match', outcome(s3.get_object, Bucket=b, Key='foo', IfMatch='"x"'), ('PreconditionFailed', 412))
    check('If-None-Match', outcome(s3.get_object, Bucket=b, Key='foo', IfNoneMatch=et), ('304', 304))
    check('If-Modified-Since', outcome(s3.get_object, Bucket=b, Key='foo',
          IfModifiedSince=datetime.datetime(2100, 1, 1)), ('304', 304))
    check('If-Unmodified-Since', outcome(s3.get_object, Bucket=b, Key='foo',
          IfUnmodifiedSince=datetime.datetime(2000, 1, 1)), ('PreconditionFailed', 412))
    r = s3.get_object(Bucket=b, Key='foo', ResponseContentType='a/b', ResponseContentDisposition='inline',
                      ResponseCacheControl='x', ResponseContentLanguage='fr', ResponseContentEncoding='gzip2')
    check('response overrides', (r['ContentType'], r['ContentDisposition'], r['CacheControl'], r['ContentLanguage'],
          r['ContentEncoding']), ('a/b', 'inline', 'x', 'fr', 'gzip2'))
    keys = ['sp ace', 'plus+sign', 'uni/中文/ключ', 'q?uery', 'hash#x', 'pct%20x', 'amp&x', '~tilde', 'a//b',
            'trail ', '<xml>&"\'']
    for k in keys:
        s3.put_object(Bucket=b, Key=k, Body=k.encode())
        check(f'awkward key {k}', s3.get_object(Bucket=b, Key=k)['Body'].read(), k.encode())
    check('awkward keys listed', sorted(o['Key'] for o in s3.list_objects(Bucket=b)['Contents']), sorted(keys + ['foo']))
    check('key too long', outcome(s3.put_object, Bucket=b, Key='k' * 1025, Body=b''), ('KeyTooLongError', 400))
    check('metadata too large', outcome(s3.put_object, Bucket=b, Key='m', Body=b'', Metadata={'a': 'x' * 2100}),
          ('MetadataTooLarge', 400))
    wrong_md5 = base64.b64encode(hashlib.md5(b'xyz').digest()).decode()
    check('bad Content-MD5', outcome(s3.put_object, Bucket=b, Key='m', Body=b'abc', ContentMD5=wrong_md5),
          ('BadDigest', 400))
    check('malformed Content-MD5', outcome(s3.put_object, Bucket=b, Key='m', Body=b'abc', ContentMD5='nope!'),
          ('InvalidDigest', 400))
    check('failed PUTs stored nothing', outcome(s3.head_object, Bucket=b, Key='m'), ('404', 404))
    s3.put_object(Bucket=b, Key='empty', Body=b'')
    r = s3.get_object(Bucket=b, Key='empty')
    check('empty object', (r['ContentLength'], r['Body'].read(), r['ETag']), (0, b'', f'"{md5(b"")}"'))
    check('range of an empty object', outcome(s3.get_object, Bucket=b, Key='empty', Range='bytes=0-0'),
          ('InvalidRange', 416))
    s3.put_object(Bucket=b, Key='ia', Body=b'x', StorageClass='STANDARD_IA')
    check('storage class', s3.head_object(Bucket=b, Key='ia').get('StorageClass'), 'STANDARD_IA')
    check('bad storage class', outcome(s3.put_object, Bucket=b, Key='ia2', Body=b'x', StorageClass='FOO'),
          ('InvalidStorageClass', 400))
    check('DELETE of an absent key', outcome(s3.delete_object, Bucket=b, Key='nope'), ('OK', 204))
    r = s3.delete_objects(Bucket=b, Delete={'Objects': [{'Key': 'empty'}, {'Key': 'nope'}]})
    check('DeleteObjects', sorted(d['Key'] for d in r['Deleted']), ['empty', 'nope'])
    r = s3.delete_objects(Bucket=b, Delete={'Objects': [{'Key': 'ia'}], 'Quiet': True})
    check('DeleteObjects quiet', 'Deleted' in r, False)


def conditional_writes():
    b = bucket('boto-cond')
    c = client()
    extra = {}
    c.meta.events.register('before-sign.s3.PutObject',
                           lambda request, **kw: [request.headers.__setitem__(k, v) for k, v in extra.items()])
    s3.put_object(Bucket=b, Key='x', Body=b'1')

    def put(key, body, headers):
        extra.clear()
        extra.update(headers)
        return outcome(c.put_object, Bucket=b, Key=key, Body=body)
    check('If-None-Match * on an existing key', put('x', b'2', {'If-None-Match': '*'}), ('PreconditionFailed', 412))
    check('If-None-Match * on a new key', put('new', b'2', {'If-None-Match': '*'}), ('OK', 200))
    check('If-Match mismatch', put('x', b'2', {'If-Match': '"abc"'}), ('PreconditionFailed', 412))
    check('If-Match on an absent key', put('absent', b'2', {'If-Match': '"abc"'}), ('NoSuchKey', 404))
    et = s3.head_object(Bucket=b, Key='x')['ETag']
    check('If-Match match', put('x', b'3', {'If-Match': et}), ('OK', 200))
    check('conditional writes kept the right body', s3.get_object(Bucket=b, Key='x')['Body'].read(), b'3')


def listing():
    b = bucket('boto-list')
    for k in ['a/b/c', 'a/b/d', 'a/e', 'f', 'foo', 'g/']:
        s3.put_object(Bucket=b, Key=k, Body=b'')
    r = s3.list_objects(Bucket=b, Delimiter='/')
    check('V1 delimiter', ([o['Key'] for o in r['Contents']], [p['Prefix'] for p in r['CommonPrefixes']]),
          (['f', 'foo'], ['a/', 'g/']))
    r = s3.list_objects_v2(Bucket=b, Prefix='a/', Delimiter='/')
    check('V2 prefix + delimiter', ([o['Key'] for o in r.get('Contents', [])], [p['Prefix'] for p in r['CommonPrefixes']],
          r['KeyCount']), (['a/e'], ['a/b/'], 2))
    r = s3.list_objects_v2(Bucket=b, MaxKeys=2)
    check('V2 truncated', (r['IsTruncated'], r['KeyCount']), (True, 2))
    r2 = s3.list_objects_v2(Bucket=b, MaxKeys=2, ContinuationToken=r['NextContinuationToken'])
    check('V2 continuation', [o['Key'] for o in r2['Contents']], ['a/e', 'f'])
    r = s3.list_objects_v2(Bucket=b, MaxKeys=0)
    check('max-keys 0', (r['IsTruncated'], r['KeyCount']), (False, 0))
    check('StartAfter', [o['Key'] for o in s3.list_objects_v2(Bucket=b, StartAfter='f')['Contents']], ['foo', 'g/'])
    r = s3.list_objects(Bucket=b, Marker='a/e', MaxKeys=1)
    check('V1 marker', ([o['Key'] for o in r['Contents']], r['IsTruncated']), (['f'], True))
    check('negative max-keys', outcome(s3.list_objects, Bucket=b, MaxKeys=-1), ('InvalidArgument', 400))
    check('FetchOwner', 'Owner' in s3.list_objects_v2(Bucket=b, FetchOwner=True)['Contents'][0], True)
    check('no owner by default', 'Owner' in s3.list_objects_v2(Bucket=b)['Contents'][0], False)
    r = s3.list_objects(Bucket=b, Delimiter='-')
    check('a delimiter other than /', [p['Prefix'] for p in r.get('CommonPrefixes', [])], [])
    for k in ['x-1-2', 'x-3']:
        s3.put_object(Bucket=b, Key=k, Body=b'')
    r = s3.list_objects_v2(Bucket=b, Prefix='x', Delimiter='-', MaxKeys=1)
    check('a common prefix counts toward max-keys', (r.get('CommonPrefixes'), r['IsTruncated'], r['KeyCount']),
          ([{'Prefix': 'x-'}], False, 1))
    r = s3.list_objects(Bucket=b, Prefix='a/', EncodingType='url')
    check('V1 encoding-type=url (boto3 decodes)', [o['Key'] for o in r['Contents']], ['a/b/c', 'a/b/d', 'a/e'])


def copy_and_tags():
    b = bucket('boto-copy')
    s3.put_object(Bucket=b, Key='src', Body=b'data', ContentType='text/x', Metadata={'m': '1'})
    s3.copy_object(Bucket=b, Key='dst', CopySource={'Bucket': b, 'Key': 'src'})
    r = s3.get_object(Bucket=b, Key='dst')
    check('copy keeps metadata', (r['Metadata'], r['ContentType'], r['Body'].read()), ({'m': '1'}, 'text/x', b'data'))
    check('copy onto itself without REPLACE', outcome(s3.copy_object, Bucket=b, Key='src',
          CopySource={'Bucket': b, 'Key': 'src'}), ('InvalidRequest', 400))
    s3.copy_object(Bucket=b, Key='src', CopySource={'Bucket': b, 'Key': 'src'}, MetadataDirective='REPLACE',
                   Metadata={'x': 'y'})
    check('copy onto itself with REPLACE', s3.head_object(Bucket=b, Key='src')['Metadata'], {'x': 'y'})
    check('copy of a missing key', outcome(s3.copy_object, Bucket=b, Key='z', CopySource={'Bucket': b, 'Key': 'no'}),
          ('NoSuchKey', 404))
    check('bad metadata directive', outcome(s3.copy_object, Bucket=b, Key='y', CopySource={'Bucket': b, 'Key': 'src'},
          MetadataDirective='BOGUS'), ('InvalidArgument', 400))
    et = s3.head_object(Bucket=b, Key='src')['ETag']
    src = {'Bucket': b, 'Key': 'src'}
    check('copy If-Match fails', outcome(s3.copy_object, Bucket=b, Key='c', CopySource=src, CopySourceIfMatch='"no"'),
          ('PreconditionFailed', 412))
    check('copy If-None-Match fails', outcome(s3.copy_object, Bucket=b, Key='c', CopySource=src,
          CopySourceIfNoneMatch=et), ('PreconditionFailed', 412))
    check('copy If-Match holds', outcome(s3.copy_object, Bucket=b, Key='c', CopySource=src, CopySourceIfMatch=et),
          ('OK', 200))
    s3.put_object_tagging(Bucket=b, Key='src', Tagging={'TagSet': [{'Key': 'a', 'Value': 'b'}]})
    check('object tags', s3.get_object_tagging(Bucket=b, Key='src')['TagSet'], [{'Key': 'a', 'Value': 'b'}])
    s3.put_object(Bucket=b, Key='tagged', Body=b'x', Tagging='k1=v1&k2=v2')
    check('tags from the header', len(s3.get_object_tagging(Bucket=b, Key='tagged')['TagSet']), 2)
    check('tag count on GET', s3.get_object(Bucket=b, Key='tagged').get('TagCount'), 2)
    s3.put_bucket_tagging(Bucket=b, Tagging={'TagSet': [{'Key': 't', 'Value': 'v'}]})
    check('bucket tags', s3.get_bucket_tagging(Bucket=b)['TagSet'], [{'Key': 't', 'Value': 'v'}])
    s3.delete_bucket_tagging(Bucket=b)
    check('bucket tags deleted', outcome(s3.get_bucket_tagging, Bucket=b), ('NoSuchTagSet', 404))


def multipart():
    b = bucket('boto-mp')
    uid = s3.create_multipart_upload(Bucket=b, Key='mp', Metadata={'m': '1'}, ContentType='app/x')['UploadId']
    p1 = s3.upload_part(Bucket=b, Key='mp', UploadId=uid, PartNumber=1, Body=b'a' * 5 * 1024 * 1024)
    p2 = s3.upload_part(Bucket=b, Key='mp', UploadId=uid, PartNumber=2, Body=b'b' * 10)
    check('ListParts', [p['PartNumber'] for p in s3.list_parts(Bucket=b, Key='mp', UploadId=uid)['Parts']], [1, 2])
    check('ListMultipartUploads', [u['Key'] for u in s3.list_multipart_uploads(Bucket=b)['Uploads']], ['mp'])
    parts = [{'PartNumber': 1, 'ETag': p1['ETag']}, {'PartNumber': 2, 'ETag': p2['ETag']}]
    r = s3.complete_multipart_upload(Bucket=b, Key='mp', UploadId=uid, MultipartUpload={'Parts': parts})
    check('multipart ETag', r['ETag'].endswith('-2"'), True)
    h = s3.head_object(Bucket=b, Key='mp')
    check('multipart object', (h['ContentLength'], h['Metadata'], h['ContentType']), (5 * 1024 * 1024 + 10, {'m': '1'}, 'app/x'))
    h = s3.head_object(Bucket=b, Key='mp', PartNumber=1)
    check('HEAD ?partNumber', (h['ContentLength'], h.get('PartsCount')), (5 * 1024 * 1024, 2))
    r = s3.get_object_attributes(Bucket=b, Key='mp', ObjectAttributes=['ObjectParts', 'ObjectSize'])
    check('GetObjectAttributes', (r['ObjectSize'], r['ObjectParts']['TotalPartsCount']), (5 * 1024 * 1024 + 10, 2))
    check('abort unknown upload', outcome(s3.abort_multipart_upload, Bucket=b, Key='mp', UploadId='nope'),
          ('NoSuchUpload', 404))
    uid = s3.create_multipart_upload(Bucket=b, Key='mp2')['UploadId']
    q1 = s3.upload_part(Bucket=b, Key='mp2', UploadId=uid, PartNumber=1, Body=b'a' * 10)
    q2 = s3.upload_part(Bucket=b, Key='mp2', UploadId=uid, PartNumber=2, Body=b'b' * 10)
    small = [{'PartNumber': 1, 'ETag': q1['ETag']}, {'PartNumber': 2, 'ETag': q2['ETag']}]
    check('part too small', outcome(s3.complete_multipart_upload, Bucket=b, Key='mp2', UploadId=uid,
          MultipartUpload={'Parts': small}), ('EntityTooSmall', 400))
    check('wrong part ETag', outcome(s3.complete_multipart_upload, Bucket=b, Key='mp2', UploadId=uid,
          MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': '"00"'}]}), ('InvalidPart', 400))
    check('parts out of order', outcome(s3.complete_multipart_upload, Bucket=b, Key='mp2', UploadId=uid,
          MultipartUpload={'Parts': list(reversed(small))}), ('InvalidPartOrder', 400))
    check('no parts', outcome(s3.complete_multipart_upload, Bucket=b, Key='mp2', UploadId=uid,
          MultipartUpload={'Parts': []}), ('MalformedXML', 400))
    s3.abort_multipart_upload(Bucket=b, Key='mp2', UploadId=uid)
    check('UploadPart after abort', outcome(s3.upload_part, Bucket=b, Key='mp2', UploadId=uid, PartNumber=3, Body=b'x'),
          ('NoSuchUpload', 404))
    uid = s3.create_multipart_upload(Bucket=b, Key='mpc')['UploadId']
    c1 = s3.upload_part_copy(Bucket=b, Key='mpc', UploadId=uid, PartNumber=1, CopySource={'Bucket': b, 'Key': 'mp'},
                             CopySourceRange='bytes=0-5242879')
    c2 = s3.upload_part_copy(Bucket=b, Key='mpc', UploadId=uid, PartNumber=2, CopySource={'Bucket': b, 'Key': 'mp'},
                             CopySourceRange='bytes=5242880-5242889')
    s3.complete_multipart_upload(Bucket=b, Key='mpc', UploadId=uid, MultipartUpload={'Parts': [
        {'PartNumber': 1, 'ETag': c1['CopyPartResult']['ETag']}, {'PartNumber': 2, 'ETag': c2['CopyPartResult']['ETag']}]})
    check('UploadPartCopy', s3.get_object(Bucket=b, Key='mpc')['Body'].read()[-10:], b'b' * 10)
    for k in ['u/a', 'u/b/c', 'v']:
        s3.create_multipart_upload(Bucket=b, Key=k)
    r = s3.list_multipart_uploads(Bucket=b, Prefix='u/', Delimiter='/')
    check('uploads by prefix and delimiter', ([u['Key'] for u in r.get('Uploads', [])],
          [p['Prefix'] for p in r.get('CommonPrefixes', [])]), (['u/a'], ['u/b/']))
    r = s3.list_multipart_uploads(Bucket=b, MaxUploads=1)
    check('uploads paged', (r['IsTruncated'], r['NextKeyMarker']), (True, 'u/a'))
    # As S3 conformance suites expect: a part number past an object's parts, a copy range past the source.
    s3.put_object(Bucket=b, Key='plain', Body=b'body')
    check('GET ?partNumber=1 of a plain object is all of it', s3.get_object(Bucket=b, Key='plain', PartNumber=1)['Body'].read(), b'body')
    check('GET ?partNumber=2 of a plain object', outcome(s3.get_object, Bucket=b, Key='plain', PartNumber=2), ('InvalidPart', 400))
    u = s3.create_multipart_upload(Bucket=b, Key='rng')['UploadId']
    check('UploadPartCopy past the source', outcome(s3.upload_part_copy, Bucket=b, Key='rng', UploadId=u, PartNumber=1,
          CopySource={'Bucket': b, 'Key': 'plain'}, CopySourceRange='bytes=0-21'), ('InvalidRange', 416))
    s3.abort_multipart_upload(Bucket=b, Key='rng', UploadId=u)
    check('objects block DeleteBucket', outcome(s3.delete_bucket, Bucket=b), ('BucketNotEmpty', 409))
    # S3 deletes a bucket whose only contents are incomplete uploads, and the uploads go with it.
    only = bucket('boto-mp-only')
    s3.create_multipart_upload(Bucket=only, Key='half')
    check('incomplete uploads go with DeleteBucket', outcome(s3.delete_bucket, Bucket=only), ('OK', 204))
    check('the bucket is gone', outcome(s3.head_bucket, Bucket=only), ('404', 404))


def versioning():
    b = bucket('boto-ver')
    check('versioning never set', 'Status' in s3.get_bucket_versioning(Bucket=b), False)
    s3.put_object(Bucket=b, Key='k', Body=b'0')
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={'Status': 'Enabled'})
    v1 = s3.put_object(Bucket=b, Key='k', Body=b'1')['VersionId']
    s3.put_object(Bucket=b, Key='k', Body=b'2')
    check('GET a version', s3.get_object(Bucket=b, Key='k', VersionId=v1)['Body'].read(), b'1')
    check('the pre-versioning object is version null', s3.get_object(Bucket=b, Key='k', VersionId='null')['Body'].read(), b'0')
    d = s3.delete_object(Bucket=b, Key='k')
    check('delete marker', d.get('DeleteMarker'), True)
    check('GET behind a delete marker', outcome(s3.get_object, Bucket=b, Key='k'), ('NoSuchKey', 404))
    r = s3.list_object_versions(Bucket=b)
    check('versions and markers', (len(r['Versions']), len(r['DeleteMarkers'])), (3, 1))
    s3.delete_object(Bucket=b, Key='k', VersionId=d['VersionId'])
    check('delete marker removed', s3.get_object(Bucket=b, Key='k')['Body'].read(), b'2')
    check('unknown version', outcome(s3.get_object, Bucket=b, Key='k', VersionId='bogus'), ('NoSuchVersion', 404))
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={'Status': 'Suspended'})
    check('suspended', s3.get_bucket_versioning(Bucket=b).get('Status'), 'Suspended')
    s3.put_object(Bucket=b, Key='k', Body=b'3')
    r = s3.list_object_versions(Bucket=b)
    check('suspended writes replace version null', (len(r['Versions']), [v['VersionId'] for v in r['Versions'] if v['IsLatest']]),
          (3, ['null']))
    v = s3.put_object(Bucket=b, Key='j', Body=b'1')['ResponseMetadata']
    r = s3.delete_objects(Bucket=b, Delete={'Objects': [{'Key': 'k', 'VersionId': v1}, {'Key': 'gone'}]})
    check('DeleteObjects with versions', sorted((x['Key'], x.get('DeleteMarker', False)) for x in r['Deleted']),
          [('gone', True), ('k', False)])


def access():
    b = bucket('boto-acl')
    s3.put_object(Bucket=b, Key='pub', Body=b'p')
    s3.put_object(Bucket=b, Key='priv', Body=b'q')
    check('anonymous GET of a private object', http('GET', f'{ENDPOINT}/{b}/priv')[0], 403)
    s3.put_object_acl(Bucket=b, Key='pub', ACL='public-read')
    r = s3.get_object_acl(Bucket=b, Key='pub')
    check('public-read grants', sorted(g['Permission'] for g in r['Grants']), ['FULL_CONTROL', 'READ'])
    check('anonymous GET of a public-read object', http('GET', f'{ENDPOINT}/{b}/pub'), (200, b'p'))
    for acl in ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-read',
                'bucket-owner-full-control']:
        check(f'canned ACL {acl}', outcome(s3.put_object_acl, Bucket=b, Key='priv', ACL=acl), ('OK', 200))
    s3.put_object_acl(Bucket=b, Key='priv', ACL='authenticated-read')
    r = s3.get_object_acl(Bucket=b, Key='priv')
    check('authenticated-read grant', [g['Grantee'].get('URI') for g in r['Grants'] if g['Permission'] == 'READ'],
          ['http://acs.amazonaws.com/groups/global/AuthenticatedUsers'])
    owner = s3.get_bucket_acl(Bucket=b)['Owner']
    s3.put_bucket_acl(Bucket=b, AccessControlPolicy={'Owner': owner, 'Grants': [
        {'Grantee': {'Type': 'Group', 'URI': 'http://acs.amazonaws.com/groups/global/AllUsers'}, 'Permission': 'READ'},
        {'Grantee': {'Type': 'CanonicalUser', 'ID': owner['ID']}, 'Permission': 'FULL_CONTROL'}]})
    check('ACL document', sorted(g['Permission'] for g in s3.get_bucket_acl(Bucket=b)['Grants']), ['FULL_CONTROL', 'READ'])
    check('anonymous list after the grant', http('GET', f'{ENDPOINT}/{b}')[0], 200)
    url = s3.generate_presigned_url('get_object', Params={'Bucket': b, 'Key': 'priv'}, ExpiresIn=100)
    check('presigned GET', http('GET', url), (200, b'q'))
    url = s3.generate_presigned_url('put_object', Params={'Bucket': b, 'Key': 'presigned'}, ExpiresIn=100)
    check('presigned PUT', http('PUT', url, data=b'hello')[0], 200)
    check('presigned PUT stored', s3.get_object(Bucket=b, Key='presigned')['Body'].read(), b'hello')
    post = s3.generate_presigned_post(b, 'posted', Fields={'acl': 'private'},
                                      Conditions=[{'acl': 'private'}, ['content-length-range', 0, 100]])
    boundary = uuid.uuid4().hex
    form = b''.join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in post['fields'].items()
    ) + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode() + b'data' + \
        f'\r\n--{boundary}--\r\n'.encode()
    status = http('POST', post['url'], data=form, headers={'Content-Type': f'multipart/form-data; boundary={boundary}'})[0]
    check('presigned POST', status, 204)
    check('presigned POST stored', s3.get_object(Bucket=b, Key='posted')['Body'].read(), b'data')
    tagging = '<Tagging><TagSet><Tag><Key>team</Key><Value>a b</Value></Tag></TagSet></Tagging>'
    for key, value, want in [('posted-tags', tagging, 204), ('posted-badtags', '<Tagging><TagSet><Tag>', 400)]:
        post = s3.generate_presigned_post(b, key, Fields={'tagging': value}, Conditions=[{'tagging': value}])
        boundary = uuid.uuid4().hex
        form = b''.join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in post['fields'].items()
        ) + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'.encode() + b'data' + \
            f'\r\n--{boundary}--\r\n'.encode()
        status, text = http('POST', post['url'], data=form,
                            headers={'Content-Type': f'multipart/form-data; boundary={boundary}'})
        check(f'POST with a tagging field: {key}', status, want)
    check('POST tagging stored', s3.get_object_tagging(Bucket=b, Key='posted-tags')['TagSet'],
          [{'Key': 'team', 'Value': 'a b'}])
    check('POST with bad tagging stored nothing', outcome(s3.head_object, Bucket=b, Key='posted-badtags'), ('404', 404))
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps({'Version': '2012-10-17', 'Statement': [{
        'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': f'arn:aws:s3:::{b}/*'}]}))
    check('policy grants anonymous GET', http('GET', f'{ENDPOINT}/{b}/presigned'), (200, b'hello'))
    check('policy reads back', json.loads(s3.get_bucket_policy(Bucket=b)['Policy'])['Statement'][0]['Effect'], 'Allow')
    tb = bucket('boto-tagpolicy')
    s3.put_object(Bucket=tb, Key='t1', Body=b'x', Tagging='security=public')
    s3.put_object(Bucket=tb, Key='t2', Body=b'x', Tagging='security=private')
    s3.put_bucket_policy(Bucket=tb, Policy=json.dumps({'Version': '2012-10-17', 'Statement': [{
        'Effect': 'Allow', 'Principal': '*', 'Action': 's3:GetObject', 'Resource': f'arn:aws:s3:::{tb}/*',
        'Condition': {'StringEquals': {'s3:ExistingObjectTag/security': 'public'}}}]}))
    check('policy on s3:ExistingObjectTag allows', http('GET', f'{ENDPOINT}/{tb}/t1')[0], 200)
    check('policy on s3:ExistingObjectTag denies', http('GET', f'{ENDPOINT}/{tb}/t2')[0], 403)
    s3.put_bucket_cors(Bucket=b, CORSConfiguration={'CORSRules': [{'AllowedMethods': ['GET'], 'AllowedOrigins': ['*']}]})
    check('CORS', len(s3.get_bucket_cors(Bucket=b)['CORSRules']), 1)


def lifecycle():
    b = bucket('boto-lc')
    s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={'Rules': [
        {'ID': 'r1', 'Status': 'Enabled', 'Filter': {'Prefix': 'x/'}, 'Expiration': {'Days': 1}},
        {'ID': 'r2', 'Status': 'Enabled', 'Filter': {'Prefix': ''}, 'AbortIncompleteMultipartUpload': {'DaysAfterInitiation': 2}},
    ]})
    check('lifecycle reads back', [r['ID'] for r in s3.get_bucket_lifecycle_configuration(Bucket=b)['Rules']], ['r1', 'r2'])

    def put(rules):
        return outcome(s3.put_bucket_lifecycle_configuration, Bucket=b, LifecycleConfiguration={'Rules': rules})
    check('rule id too long', put([{'ID': 'x' * 256, 'Status': 'Enabled', 'Filter': {'Prefix': ''},
          'Expiration': {'Days': 1}}]), ('InvalidArgument', 400))
    check('duplicate rule ids', put([
        {'ID': 'a', 'Status': 'Enabled', 'Filter': {'Prefix': 'p'}, 'Expiration': {'Days': 1}},
        {'ID': 'a', 'Status': 'Enabled', 'Filter': {'Prefix': 'q'}, 'Expiration': {'Days': 1}}]), ('InvalidArgument', 400))
    check('bad status', put([{'ID': 'a', 'Status': 'enabled', 'Filter': {'Prefix': ''}, 'Expiration': {'Days': 1}}]),
          ('MalformedXML', 400))
    check('zero days', put([{'ID': 'a', 'Status': 'Enabled', 'Filter': {'Prefix': ''}, 'Expiration': {'Days': 0}}]),
          ('InvalidArgument', 400))
    check('a refused configuration changed nothing',
          [r['ID'] for r in s3.get_bucket_lifecycle_configuration(Bucket=b)['Rules']], ['r1', 'r2'])
    s3.delete_bucket_lifecycle(Bucket=b)
    check('lifecycle deleted', outcome(s3.get_bucket_lifecycle_configuration, Bucket=b),
          ('NoSuchLifecycleConfiguration', 404))


def logging_and_inventory():
    b = bucket('boto-logsrc')
    target = bucket('boto-logdst')
    check('logging off at first', 'LoggingEnabled' in s3.get_bucket_logging(Bucket=b), False)
    s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={
        'LoggingEnabled': {'TargetBucket': target, 'TargetPrefix': 'logs/'}})
    check('logging reads back', s3.get_bucket_logging(Bucket=b).get('LoggingEnabled'),
          {'TargetBucket': target, 'TargetPrefix': 'logs/'})
    check('a missing target', outcome(s3.put_bucket_logging, Bucket=b, BucketLoggingStatus={
        'LoggingEnabled': {'TargetBucket': 'no-such-bucket-for-logs', 'TargetPrefix': 'x/'}}),
          ('InvalidTargetBucketForLogging', 400))
    s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={})
    check('logging off again', 'LoggingEnabled' in s3.get_bucket_logging(Bucket=b), False)

    conf = {'Id': 'weekly', 'IsEnabled': True, 'IncludedObjectVersions': 'Current',
            'Destination': {'S3BucketDestination': {'Bucket': f'arn:aws:s3:::{target}', 'Format': 'CSV',
                                                    'Prefix': 'inv'}},
            'Schedule': {'Frequency': 'Weekly'}, 'OptionalFields': ['Size', 'ETag'],
            'Filter': {'Prefix': 'images/'}}
    s3.put_bucket_inventory_configuration(Bucket=b, Id='weekly', InventoryConfiguration=conf)
    check('inventory reads back', s3.get_bucket_inventory_configuration(Bucket=b, Id='weekly')['InventoryConfiguration'],
          conf)
    listed = s3.list_bucket_inventory_configurations(Bucket=b)
    check('inventory listed', ([c['Id'] for c in listed['InventoryConfigurationList']], listed['IsTruncated']),
          (['weekly'], False))
    s3.delete_bucket_inventory_configuration(Bucket=b, Id='weekly')
    check('inventory deleted', outcome(s3.get_bucket_inventory_configuration, Bucket=b, Id='weekly'),
          ('NoSuchConfiguration', 404))


def encryption_and_lock():
    b = bucket('boto-sse')
    r = s3.put_object(Bucket=b, Key='enc', Body=b'secret', ServerSideEncryption='AES256')
    check('PUT answers AES256', r.get('ServerSideEncryption'), 'AES256')
    check('HEAD answers AES256', s3.head_object(Bucket=b, Key='enc').get('ServerSideEncryption'), 'AES256')
    check('GET reads the plaintext', s3.get_object(Bucket=b, Key='enc')['Body'].read(), b'secret')
    check('aws:kms is served', outcome(s3.put_object, Bucket=b, Key='kms', Body=b'x', ServerSideEncryption='aws:kms'),
          ('OK', 200))
    check('SSE-C is served', outcome(s3.put_object, Bucket=b, Key='ssec', Body=b'x', SSECustomerAlgorithm='AES256',
                                     SSECustomerKey='k' * 32), ('OK', 200))
    s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={'Rules': [
        {'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'AES256'}}]})
    rules = s3.get_bucket_encryption(Bucket=b)['ServerSideEncryptionConfiguration']['Rules']
    check('default encryption reads back', rules[0]['ApplyServerSideEncryptionByDefault']['SSEAlgorithm'], 'AES256')
    check('default encryption applies', s3.put_object(Bucket=b, Key='d', Body=b'x').get('ServerSideEncryption'), 'AES256')
    s3.delete_bucket_encryption(Bucket=b)
    check('default encryption deleted', outcome(s3.get_bucket_encryption, Bucket=b),
          ('ServerSideEncryptionConfigurationNotFoundError', 404))

    lb = f'boto-lock-{uuid.uuid4().hex[:8]}'
    s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True)
    check('lock bucket is versioned', s3.get_bucket_versioning(Bucket=lb).get('Status'), 'Enabled')
    check('lock configuration', s3.get_object_lock_configuration(Bucket=lb)['ObjectLockConfiguration']['ObjectLockEnabled'],
          'Enabled')
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    v = s3.put_object(Bucket=lb, Key='k', Body=b'x', ObjectLockMode='GOVERNANCE', ObjectLockRetainUntilDate=until)
    check('HEAD reports the retention', s3.head_object(Bucket=lb, Key='k').get('ObjectLockMode'), 'GOVERNANCE')
    check('a retained version cannot be deleted', outcome(s3.delete_object, Bucket=lb, Key='k', VersionId=v['VersionId']),
          ('AccessDenied', 403))
    s3.put_object_legal_hold(Bucket=lb, Key='k', VersionId=v['VersionId'], LegalHold={'Status': 'ON'})
    check('legal hold reads back', s3.get_object_legal_hold(Bucket=lb, Key='k')['LegalHold']['Status'], 'ON')
    check('a held version resists the bypass', outcome(s3.delete_object, Bucket=lb, Key='k', VersionId=v['VersionId'],
                                                       BypassGovernanceRetention=True), ('AccessDenied', 403))
    s3.put_object_legal_hold(Bucket=lb, Key='k', VersionId=v['VersionId'], LegalHold={'Status': 'OFF'})
    check('GOVERNANCE yields to the bypass', outcome(s3.delete_object, Bucket=lb, Key='k', VersionId=v['VersionId'],
                                                     BypassGovernanceRetention=True), ('OK', 204))


def sigv2():
    # botocore's SigV2 signs a path-style bucket request (PUT /bucket) over '/bucket/', with the slash.
    v2 = client('s3')
    b = f'boto-v2-{uuid.uuid4().hex[:8]}'
    check('create bucket', outcome(v2.create_bucket, Bucket=b), ('OK', 200))
    check('head bucket', outcome(v2.head_bucket, Bucket=b), ('OK', 200))
    check('put object', outcome(v2.put_object, Bucket=b, Key='k', Body=b'v2'), ('OK', 200))
    check('list objects', [o['Key'] for o in v2.list_objects(Bucket=b).get('Contents', [])], ['k'])
    check('get object', v2.get_object(Bucket=b, Key='k')['Body'].read(), b'v2')
    check('delete object', outcome(v2.delete_object, Bucket=b, Key='k'), ('OK', 204))
    check('delete bucket', outcome(v2.delete_bucket, Bucket=b), ('OK', 204))


SECTIONS = {f.__name__: f for f in [buckets, objects, conditional_writes, listing, copy_and_tags, multipart, versioning,
                                     access, lifecycle, logging_and_inventory, encryption_and_lock, sigv2]}

if __name__ == '__main__':
    main(SECTIONS)
