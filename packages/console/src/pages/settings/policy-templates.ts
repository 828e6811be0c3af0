/**
 * Bucket policy templates in COS policy syntax (`"version": "2.0"`, principal `{"qcs": [...]}`, actions
 * `name/cos:<Action>`, resources `qcs::cos:<region>:uid/<APPID>:<bucket>/<key>`), as Tencent Cloud's
 * documents write them: https://www.tencentcloud.com/document/product/436/18023 (policy syntax) and
 * https://www.tencentcloud.com/document/product/436/12514 (the elements: principal, action, resource,
 * condition). The APPID and owner uin come from the server (GET /-/whoami), the region from the bucket.
 */
export interface PolicyScope {
  bucket: string;
  region: string;
  appId: string;
  ownerUin: string;
}

export interface PolicyTemplate {
  value: string;
  label: string;
  description: string;
  /** What else the template needs typed in ("sub-user uin", "prefix", "IP range"). */
  input?: { label: string; placeholder: string; defaultValue: string };
  build(scope: PolicyScope, input: string): object;
}

const resource = (s: PolicyScope, key?: string) =>
  `qcs::cos:${s.region}:uid/${s.appId}:${s.bucket}${key === undefined ? '' : `/${key}`}`;
const subUser = (s: PolicyScope, uin: string) => `qcs::cam::uin/${s.ownerUin}:uin/${uin.trim()}`;
const ANYONE = { qcs: ['qcs::cam::anyone:anyone'] };

export const COS_POLICY_TEMPLATES: PolicyTemplate[] = [
  {
    value: 'public-read',
    label: 'Public read',
    description: 'Anyone may download every object (not list the bucket).',
    build: (s) => ({
      version: '2.0',
      statement: [
        {
          principal: ANYONE,
          effect: 'allow',
          action: ['name/cos:GetObject', 'name/cos:HeadObject'],
          resource: [resource(s, '*')],
        },
      ],
    }),
  },
  {
    value: 'sub-user-read-only',
    label: 'Read-only for a sub-user',
    description: 'One sub-user of this account may list the bucket and download its objects.',
    input: { label: 'Sub-user uin', placeholder: '100000000002', defaultValue: '' },
    build: (s, uin) => ({
      version: '2.0',
      statement: [
        {
          principal: { qcs: [subUser(s, uin)] },
          effect: 'allow',
          action: ['name/cos:HeadBucket', 'name/cos:GetBucket'],
          resource: [resource(s)],
        },
        {
          principal: { qcs: [subUser(s, uin)] },
          effect: 'allow',
          action: ['name/cos:GetObject', 'name/cos:HeadObject'],
          resource: [resource(s, '*')],
        },
      ],
    }),
  },
  {
    value: 'sub-user-uploader',
    label: 'Uploader to a folder for a sub-user',
    description: 'One sub-user may upload (simple and multipart) under a prefix, and nothing else.',
    input: { label: 'Sub-user uin and folder (uin:folder/)', placeholder: '100000000002:incoming/', defaultValue: '' },
    build: (s, typed) => {
      const [uin = '', prefix = ''] = typed.split(':');
      return {
        version: '2.0',
        statement: [
          {
            principal: { qcs: [subUser(s, uin)] },
            effect: 'allow',
            action: [
              'name/cos:PutObject',
              'name/cos:PostObject',
              'name/cos:InitiateMultipartUpload',
              'name/cos:UploadPart',
              'name/cos:CompleteMultipartUpload',
              'name/cos:AbortMultipartUpload',
              'name/cos:ListParts',
            ],
            resource: [resource(s, `${prefix.trim()}*`)],
          },
        ],
      };
    },
  },
  {
    value: 'deny-http',
    label: 'Deny unless HTTPS',
    description: 'Refuses every request to the bucket that does not come over TLS.',
    build: (s) => ({
      version: '2.0',
      statement: [
        {
          principal: ANYONE,
          effect: 'deny',
          action: ['name/cos:*'],
          resource: [resource(s), resource(s, '*')],
          condition: { bool: { 'qcs:secure_transport': 'false' } },
        },
      ],
    }),
  },
  {
    value: 'deny-outside-ip',
    label: 'Deny outside an IP range',
    description: 'Refuses every request from outside the given addresses (CIDR).',
    input: { label: 'Allowed IP range', placeholder: '10.0.0.0/8', defaultValue: '10.0.0.0/8' },
    build: (s, range) => ({
      version: '2.0',
      statement: [
        {
          principal: ANYONE,
          effect: 'deny',
          action: ['name/cos:*'],
          resource: [resource(s), resource(s, '*')],
          condition: { ip_not_equal: { 'qcs:ip': range.split(',').map((r) => r.trim()) } },
        },
      ],
    }),
  },
];

/**
 * Inserts a template into the policy being edited: its statements are appended to the document's (so a
 * "deny unless HTTPS" can join a "public read"); a document that is empty or not valid JSON is replaced.
 */
export function insertTemplate(current: string, template: object): string {
  const add = template as { version: string; statement: unknown[] };
  try {
    const doc = JSON.parse(current) as Record<string, unknown>;
    const key = Object.keys(doc).find((k) => k.toLowerCase() === 'statement');
    if (key && Array.isArray(doc[key]) && (doc[key] as unknown[]).length > 0) {
      // The server reads both syntaxes statement by statement: the document keeps its own version.
      return JSON.stringify({ ...doc, [key]: [...(doc[key] as unknown[]), ...add.statement] }, null, 2);
    }
  } catch {
    // Not JSON: replaced.
  }
  return JSON.stringify(template, null, 2);
}
