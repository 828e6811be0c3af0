import { S3Error, type XmlNode, type XmlObject, xmlChild, xmlChildren, xmlText } from '@coffer/protocol';
import {
  type Acl,
  type Grant,
  type Group,
  groupOf,
  PERMISSIONS,
  type UinResolver,
  unresolvableEmail,
  userGrantee,
} from '../authz/acl.js';
import type { AclPermission } from '../authz/actions.js';

// The AccessControlPolicy XML of PUT and GET Bucket/Object acl; what an ACL grants is authz/acl.ts's.

/** Parses an AccessControlPolicy body (PUT ?acl): MalformedACLError when it is not one. */
export function parseAclXml(
  doc: { [name: string]: XmlNode | XmlNode[] },
  resolve: UinResolver,
): { owner?: string; grants: Grant[] } {
  const malformed = (why: string) =>
    new S3Error(
      'MalformedACLError',
      `The XML you provided was not well-formed or did not validate against our published schema: ${why}`,
    );
  const ownerNode = xmlChild(doc, 'Owner');
  const owner = ownerNode === undefined ? undefined : xmlText(ownerNode, 'ID')?.trim();
  const list = xmlChild(doc, 'AccessControlList');
  if (list === undefined) throw malformed('missing AccessControlList.');
  const grants: Grant[] = xmlChildren(list, 'Grant').map((grant) => {
    const grantee = xmlChild(grant, 'Grantee');
    const permission = xmlText(grant, 'Permission')?.trim().toUpperCase() as AclPermission | undefined;
    if (grantee === undefined || permission === undefined)
      throw malformed('each Grant needs a Grantee and a Permission.');
    if (!PERMISSIONS.includes(permission)) throw malformed(`unknown Permission "${permission}".`);
    const uri = xmlText(grantee, 'URI')?.trim();
    const id = xmlText(grantee, 'ID')?.trim();
    const email = xmlText(grantee, 'EmailAddress');
    if (email !== undefined) throw unresolvableEmail(email.trim());
    if (uri !== undefined && uri !== '') {
      try {
        return { grantee: groupOf(uri), permission };
      } catch {
        throw malformed(`unknown group URI "${uri}".`);
      }
    }
    if (id === undefined || id === '') throw malformed('a Grantee needs an ID or a URI.');
    return { grantee: userGrantee(id, resolve), permission };
  });
  return { ...(owner ? { owner } : {}), grants };
}

/** Renders an ACL as an AccessControlPolicy body, with COS or S3 group URIs. */
export function renderAcl(acl: Acl, flavor: 'cos' | 's3', displayName: (id: string) => string): XmlObject {
  const groupUri = (group: Group) =>
    flavor === 'cos' && group !== 'LogDelivery'
      ? `http://cam.qcloud.com/groups/global/${group}`
      : `http://acs.amazonaws.com/groups/${group === 'LogDelivery' ? 's3' : 'global'}/${group}`;
  return {
    Owner: { ID: acl.owner, DisplayName: displayName(acl.owner) },
    AccessControlList: {
      Grant: acl.grants.map((g) => ({
        Grantee:
          g.grantee.type === 'user'
            ? {
                '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
                '@xsi:type': 'CanonicalUser',
                ID: g.grantee.id,
                DisplayName: displayName(g.grantee.id),
              }
            : {
                '@xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
                '@xsi:type': 'Group',
                URI: groupUri(g.grantee.group),
              },
        Permission: g.permission,
      })),
    },
  };
}
