"""
SSE-C and SSE-KMS through boto3 (Debian's python3-boto3 1.26), run by test/e2e/sse-boto3.test.ts
against a live Coffer server: each operation with a customer key or a KMS key, wrong and missing
keys, copies between the modes, multipart, ranges, a disabled KMS key. The KMS keys are made through
the admin API, signed with botocore's SigV4. Usage: sse.py SECTION (harness.py: the
endpoint and credentials, the JSON line it prints).
"""
import base64
import hashlib
import json
import os
import urllib.error
import urllib.request
import uuid

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from harness import ACCESS_KEY, ENDPOINT, REGION, SECRET_KEY, bucket, check, main, outcome, s3

CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY)


def admin(method, path, body=None):
    """A call to Coffer's admin API (JSON), signed like any S3 request."""
    data = b'' if body is None else json.dumps(body).encode()
    req = AWSRequest(method=method, url=ENDPOINT + '/-/admin' + path, data=data,
                     headers={'content-type': 'application/json'})
    S3SigV4Auth(CREDENTIALS, 's3', REGION).add_auth(req)
    r = urllib.request.Request(req.url, data=data if method != 'GET' else None, method=method, headers=dict(req.headers))
    with urllib.request.urlopen(r) as res:
        return json.loads(res.read() or b'{}')


def ssec(key):
    # boto3 base64-encodes the key and adds its MD5 itself.
    return {'SSECustomerAlgorithm': 'AES256', 'SSECustomerKey': key}


def copy_ssec(key):
    return {'CopySourceSSECustomerAlgorithm': 'AES256', 'CopySourceSSECustomerKey': key}


def body(r):
    return r['Body'].read()


def sse_c():
    b = bucket('boto-ssec')
    k1, k2 = os.urandom(32), os.urandom(32)
    md5 = base64.b64encode(hashlib.md5(k1).digest()).decode()
    data = os.urandom(1024 * 1024 + 3)
    r = s3.put_object(Bucket=b, Key='o', Body=data, **ssec(k1))
    check('PUT echoes the algorithm', r.get('SSECustomerAlgorithm'), 'AES256')
    check('PUT echoes the key MD5', r.get('SSECustomerKeyMD5'), md5)
    h = s3.head_object(Bucket=b, Key='o', **ssec(k1))
    check('HEAD with the key', (h.get('SSECustomerAlgorithm'), h['ContentLength']), ('AES256', len(data)))
    check('GET with the key', body(s3.get_object(Bucket=b, Key='o', **ssec(k1))) == data, True)
    check('ranged GET', body(s3.get_object(Bucket=b, Key='o', Range='bytes=17-70000', **ssec(k1))), data[17:70001])
    check('GET without the key', outcome(s3.get_object, Bucket=b, Key='o'), ('InvalidRequest', 400))
    check('HEAD without the key', outcome(s3.head_object, Bucket=b, Key='o'), ('400', 400))
    check('GET with a wrong key', outcome(s3.get_object, Bucket=b, Key='o', **ssec(k2)), ('AccessDenied', 403))
    check('HEAD with a wrong key', outcome(s3.head_object, Bucket=b, Key='o', **ssec(k2)), ('403', 403))
    check('a short key', outcome(s3.put_object, Bucket=b, Key='short', Body=b'x', **ssec(b'k' * 16)),
          ('InvalidArgument', 400))
    check('an unknown algorithm', outcome(s3.put_object, Bucket=b, Key='alg', Body=b'x', SSECustomerAlgorithm='AES128',
                                          SSECustomerKey=k1), ('InvalidEncryptionAlgorithmError', 400))
    # Copy: source key needed, destination gets its own.
    check('copy without the source key', outcome(s3.copy_object, Bucket=b, Key='c', CopySource={'Bucket': b, 'Key': 'o'}),
          ('InvalidRequest', 400))
    r = s3.copy_object(Bucket=b, Key='c', CopySource={'Bucket': b, 'Key': 'o'}, **copy_ssec(k1), **ssec(k2))
    check('copy answers the new key MD5', r.get('SSECustomerKeyMD5'), base64.b64encode(hashlib.md5(k2).digest()).decode())
    check('copy reads with the new key', body(s3.get_object(Bucket=b, Key='c', **ssec(k2))) == data, True)
    check('copy refuses the old key', outcome(s3.get_object, Bucket=b, Key='c', **ssec(k1)), ('AccessDenied', 403))
    s3.copy_object(Bucket=b, Key='plain', CopySource={'Bucket': b, 'Key': 'o'}, **copy_ssec(k1))
    check('copy to no encryption', body(s3.get_object(Bucket=b, Key='plain')) == data, True)
    # Multipart with the key on Initiate, each UploadPart and UploadPartCopy.
    up = s3.create_multipart_upload(Bucket=b, Key='mp', **ssec(k2))
    check('Initiate echoes the algorithm', up.get('SSECustomerAlgorithm'), 'AES256')
    uid = up['UploadId']
    part1 = os.urandom(5 * 1024 * 1024)
    check('part without the key', outcome(s3.upload_part, Bucket=b, Key='mp', UploadId=uid, PartNumber=1, Body=part1),
          ('InvalidRequest', 400))
    p1 = s3.upload_part(Bucket=b, Key='mp', UploadId=uid, PartNumber=1, Body=part1, **ssec(k2))
    p2 = s3.upload_part_copy(Bucket=b, Key='mp', UploadId=uid, PartNumber=2, CopySource={'Bucket': b, 'Key': 'o'},
                             CopySourceRange='bytes=0-99', **copy_ssec(k1), **ssec(k2))
    s3.complete_multipart_upload(Bucket=b, Key='mp', UploadId=uid, MultipartUpload={'Parts': [
        {'PartNumber': 1, 'ETag': p1['ETag']}, {'PartNumber': 2, 'ETag': p2['CopyPartResult']['ETag']}]})
    got = body(s3.get_object(Bucket=b, Key='mp', **ssec(k2)))
    check('multipart reads back', got == part1 + data[:100], True)
    check('multipart range across parts',
          body(s3.get_object(Bucket=b, Key='mp', Range=f'bytes={len(part1) - 5}-{len(part1) + 5}', **ssec(k2))),
          (part1 + data[:100])[len(part1) - 5:len(part1) + 6])


def sse_kms():
    b = bucket('boto-kms')
    key = admin('POST', '/kms/keys', {'description': 'boto3'})
    arn = key['arn']
    data = os.urandom(300 * 1024)
    ctx = base64.b64encode(json.dumps({'app': 'boto3'}).encode()).decode()
    r = s3.put_object(Bucket=b, Key='k', Body=data, ServerSideEncryption='aws:kms', SSEKMSKeyId=key['keyId'],
                      SSEKMSEncryptionContext=ctx)
    check('PUT answers aws:kms', (r.get('ServerSideEncryption'), r.get('SSEKMSKeyId')), ('aws:kms', arn))
    check('PUT answers the context', r.get('SSEKMSEncryptionContext'), ctx)
    h = s3.head_object(Bucket=b, Key='k')
    check('HEAD answers the key', (h.get('ServerSideEncryption'), h.get('SSEKMSKeyId')), ('aws:kms', arn))
    check('GET reads', body(s3.get_object(Bucket=b, Key='k')) == data, True)
    check('ranged GET', body(s3.get_object(Bucket=b, Key='k', Range='bytes=100-200')), data[100:201])
    check('an unknown key', outcome(s3.put_object, Bucket=b, Key='x', Body=b'x', ServerSideEncryption='aws:kms',
                                    SSEKMSKeyId='arn:aws:kms:ap-guangzhou:1:key/none'), ('KMS.NotFoundException', 400))
    # Copies: KMS → SSE-C → AES256 → KMS (another key).
    k = os.urandom(32)
    s3.copy_object(Bucket=b, Key='c1', CopySource={'Bucket': b, 'Key': 'k'}, **ssec(k))
    s3.copy_object(Bucket=b, Key='c2', CopySource={'Bucket': b, 'Key': 'c1'}, **copy_ssec(k), ServerSideEncryption='AES256')
    other = admin('POST', '/kms/keys', {'description': 'boto3 other'})
    r = s3.copy_object(Bucket=b, Key='c3', CopySource={'Bucket': b, 'Key': 'c2'}, ServerSideEncryption='aws:kms',
                       SSEKMSKeyId=other['arn'])
    check('copy to another KMS key', r.get('SSEKMSKeyId'), other['arn'])
    check('the chain of copies reads back', body(s3.get_object(Bucket=b, Key='c3')) == data, True)
    # Multipart under a KMS key.
    up = s3.create_multipart_upload(Bucket=b, Key='mp', ServerSideEncryption='aws:kms', SSEKMSKeyId=key['keyId'])
    check('Initiate answers the key', up.get('SSEKMSKeyId'), arn)
    p1 = s3.upload_part(Bucket=b, Key='mp', UploadId=up['UploadId'], PartNumber=1, Body=data)
    s3.complete_multipart_upload(Bucket=b, Key='mp', UploadId=up['UploadId'],
                                 MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': p1['ETag']}]})
    check('multipart reads back', body(s3.get_object(Bucket=b, Key='mp')) == data, True)
    # A disabled key refuses reads (HEAD still answers), then serves them again.
    admin('POST', f"/kms/keys/{key['keyId']}/disable")
    check('GET under a disabled key', outcome(s3.get_object, Bucket=b, Key='k'), ('KMS.DisabledException', 400))
    check('HEAD under a disabled key', outcome(s3.head_object, Bucket=b, Key='k'), ('OK', 200))
    check('PUT under a disabled key', outcome(s3.put_object, Bucket=b, Key='n', Body=b'x', ServerSideEncryption='aws:kms',
                                              SSEKMSKeyId=key['keyId']), ('KMS.DisabledException', 400))
    admin('POST', f"/kms/keys/{key['keyId']}/enable")
    check('GET after enabling', body(s3.get_object(Bucket=b, Key='k')) == data, True)
    # Bucket default encryption with the key.
    s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={'Rules': [
        {'ApplyServerSideEncryptionByDefault': {'SSEAlgorithm': 'aws:kms', 'KMSMasterKeyID': arn}}]})
    r = s3.put_object(Bucket=b, Key='d', Body=b'by default')
    check('default KMS applies', (r.get('ServerSideEncryption'), r.get('SSEKMSKeyId')), ('aws:kms', arn))


def post_form(url, fields, content):
    """POSTs a browser-style form (fields first, the file last); (status, headers)."""
    boundary = 'boto3form' + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n\r\n'.encode())
    parts.append(content)
    parts.append(f'\r\n--{boundary}--\r\n'.encode())
    data = b''.join(parts)
    r = urllib.request.Request(url, data=data, method='POST',
                               headers={'content-type': f'multipart/form-data; boundary={boundary}'})
    try:
        with urllib.request.urlopen(r) as res:
            return res.status, dict(res.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


def post_object():
    """generate_presigned_post with SSE-KMS and SSE-C fields (the policy names them), then reads."""
    b = bucket('boto-post')
    key_id = admin('POST', '/kms/keys', {'description': 'boto3 post'})['keyId']
    data = os.urandom(200_000)
    kms_fields = {'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': key_id}
    p = s3.generate_presigned_post(b, 'kms.bin', Fields=kms_fields,
                                   Conditions=[{k: v} for k, v in kms_fields.items()])
    status, headers = post_form(p['url'], p['fields'], data)
    check('POST with aws:kms fields', (status, headers.get('x-amz-server-side-encryption')), (204, 'aws:kms'))
    h = s3.head_object(Bucket=b, Key='kms.bin')
    check('HEAD names the KMS key', (h.get('ServerSideEncryption'), h.get('SSEKMSKeyId', '').endswith(key_id)),
          ('aws:kms', True))
    check('GET reads it', body(s3.get_object(Bucket=b, Key='kms.bin')) == data, True)
    k = os.urandom(32)
    ssec_fields = {
        'x-amz-server-side-encryption-customer-algorithm': 'AES256',
        'x-amz-server-side-encryption-customer-key': base64.b64encode(k).decode(),
        'x-amz-server-side-encryption-customer-key-MD5': base64.b64encode(hashlib.md5(k).digest()).decode(),
    }
    p = s3.generate_presigned_post(b, 'ssec.bin', Fields=ssec_fields,
                                   Conditions=[{k2: v} for k2, v in ssec_fields.items()])
    status, _ = post_form(p['url'], p['fields'], data)
    check('POST with SSE-C fields', status, 204)
    check('GET with the key', body(s3.get_object(Bucket=b, Key='ssec.bin', **ssec(k))) == data, True)
    check('GET without the key', outcome(s3.get_object, Bucket=b, Key='ssec.bin'), ('InvalidRequest', 400))
    # A field the policy does not name: refused.
    p = s3.generate_presigned_post(b, 'extra.bin')
    status, _ = post_form(p['url'], {**p['fields'], **kms_fields}, data)
    check('SSE fields outside the policy', status, 403)


SECTIONS = {f.__name__: f for f in [sse_c, sse_kms, post_object]}

if __name__ == '__main__':
    main(SECTIONS)
