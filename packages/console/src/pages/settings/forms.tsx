/**
 * Form views of the settings whose documents are lists of rules: CORS (JSON, as the SDK carries it),
 * hotlink protection (Referer XML) and object lock default retention (XML). Each parses the document the
 * editor holds, shows a row of fields per rule (add, remove, checked as typed) and writes the document back,
 * so the raw view always shows exactly what Save sends.
 */
import {
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Radio,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import type { ConfigForm } from '../../components/ui/config-editor.js';

function Unreadable({ what }: { what: string }) {
  return (
    <Alert color="yellow" title="This document cannot be shown as a form">
      <Text size="sm">Fix it in the {what} view, or start again from the template by clearing it there.</Text>
    </Alert>
  );
}

// ---------------------------------------------------------------- CORS

export interface CorsRule {
  AllowedOrigins: string[];
  AllowedMethods: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
  ID?: string;
}

const CORS_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const ORIGIN = /^(\*|https?:\/\/[^\s/]+)$/;

function parseCors(text: string): CorsRule[] | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) return undefined;
    // The SDK reads numbers back from the XML as strings ("600").
    return value.map((r: Partial<CorsRule>) => ({
      ...r,
      ...(r.MaxAgeSeconds !== undefined && String(r.MaxAgeSeconds) !== ''
        ? { MaxAgeSeconds: Number(r.MaxAgeSeconds) }
        : {}),
      AllowedOrigins: [r.AllowedOrigins ?? []].flat(),
      AllowedMethods: [r.AllowedMethods ?? []].flat(),
      AllowedHeaders: [r.AllowedHeaders ?? []].flat(),
      ExposeHeaders: [r.ExposeHeaders ?? []].flat(),
    }));
  } catch {
    return undefined;
  }
}

export function validateCors(text: string): string | undefined {
  const rules = parseCors(text);
  if (!rules) return 'The CORS rules are not a JSON list of rules.';
  if (rules.length === 0) return 'Add a rule, or remove the CORS rules instead.';
  for (const [i, r] of rules.entries()) {
    if (r.AllowedOrigins.length === 0) return `Rule ${i + 1}: add at least one allowed origin.`;
    const bad = r.AllowedOrigins.find((o) => !ORIGIN.test(o.replace('*.', 'x.')));
    if (bad !== undefined) return `Rule ${i + 1}: "${bad}" is not an origin (https://host[:port] or *).`;
    if (r.AllowedMethods.length === 0) return `Rule ${i + 1}: allow at least one method.`;
    if (r.MaxAgeSeconds !== undefined && (!Number.isInteger(r.MaxAgeSeconds) || r.MaxAgeSeconds < 0)) {
      return `Rule ${i + 1}: the max age is a whole number of seconds.`;
    }
  }
  return undefined;
}

export const corsForm: ConfigForm = {
  validate: validateCors,
  render: ({ text, onChange, readOnly }) => {
    const rules = parseCors(text);
    if (!rules) return <Unreadable what="JSON" />;
    const write = (next: CorsRule[]) => onChange(JSON.stringify(next, null, 2));
    const update = (i: number, patch: Partial<CorsRule>) =>
      write(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
    return (
      <Stack gap="sm" data-testid="cors-form">
        {rules.map((r, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rules have no identity of their own
          <Fieldset key={i} legend={`Rule ${i + 1}`} disabled={readOnly} data-testid="cors-rule">
            <Stack gap="xs">
              <TagsInput
                label="Allowed origins"
                description="https://host[:port], *.example.com or *; Enter after each"
                value={r.AllowedOrigins}
                onChange={(v) => update(i, { AllowedOrigins: v })}
                error={r.AllowedOrigins.find((o) => !ORIGIN.test(o.replace('*.', 'x.'))) ? 'Not an origin' : undefined}
                clearable
              />
              <Checkbox.Group
                label="Allowed methods"
                value={r.AllowedMethods}
                onChange={(v) => update(i, { AllowedMethods: CORS_METHODS.filter((m) => v.includes(m)) })}
                error={r.AllowedMethods.length === 0 ? 'Allow at least one method' : undefined}
              >
                <Group mt={4} gap="md">
                  {CORS_METHODS.map((m) => (
                    <Checkbox key={m} value={m} label={m} />
                  ))}
                </Group>
              </Checkbox.Group>
              <Group grow align="start">
                <TagsInput
                  label="Allowed headers"
                  description="Request headers a page may send; * for any"
                  value={r.AllowedHeaders ?? []}
                  onChange={(v) => update(i, { AllowedHeaders: v })}
                />
                <TagsInput
                  label="Exposed headers"
                  description="Response headers a page may read (ETag…)"
                  value={r.ExposeHeaders ?? []}
                  onChange={(v) => update(i, { ExposeHeaders: v })}
                />
              </Group>
              <Group align="end" justify="space-between">
                <NumberInput
                  label="Max age (seconds)"
                  description="How long a browser may cache the preflight"
                  min={0}
                  allowDecimal={false}
                  value={r.MaxAgeSeconds ?? ''}
                  onChange={(v) => {
                    const { MaxAgeSeconds: _, ...rest } = r;
                    write(
                      rules.map((x, j) => (j === i ? (v === '' ? rest : { ...rest, MaxAgeSeconds: Number(v) }) : x)),
                    );
                  }}
                  w={220}
                />
                {!readOnly && (
                  <Button
                    variant="subtle"
                    color="red"
                    onClick={() => write(rules.filter((_, j) => j !== i))}
                    aria-label={`Remove rule ${i + 1}`}
                  >
                    Remove rule
                  </Button>
                )}
              </Group>
            </Stack>
          </Fieldset>
        ))}
        {!readOnly && (
          <Button
            variant="light"
            style={{ alignSelf: 'flex-start' }}
            onClick={() =>
              write([
                ...rules,
                { AllowedOrigins: [], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] },
              ])
            }
          >
            Add CORS rule
          </Button>
        )}
      </Stack>
    );
  },
};

// ---------------------------------------------------------------- XML helpers

function parseXml(text: string, root: string): Element | undefined {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) return undefined;
  return doc.documentElement.tagName === root ? doc.documentElement : undefined;
}

function child(el: Element, name: string): string | undefined {
  return [...el.children].find((c) => c.tagName === name)?.textContent?.trim();
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// ---------------------------------------------------------------- Referer (hotlink protection)

export interface RefererModel {
  status: 'Enabled' | 'Disabled';
  type: 'White-List' | 'Black-List';
  domains: string[];
  emptyReferer: 'Allow' | 'Deny';
}

// A domain, a wildcard subdomain (*.example.com), optionally with a port.
const DOMAIN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/;

export function parseReferer(text: string): RefererModel | undefined {
  const el = parseXml(text, 'RefererConfiguration');
  if (!el) return undefined;
  const list = [...el.children].find((c) => c.tagName === 'DomainList');
  return {
    status: child(el, 'Status') === 'Disabled' ? 'Disabled' : 'Enabled',
    type: child(el, 'RefererType') === 'Black-List' ? 'Black-List' : 'White-List',
    domains: list ? [...list.children].filter((c) => c.tagName === 'Domain').map((c) => c.textContent ?? '') : [],
    emptyReferer: child(el, 'EmptyReferConfiguration') === 'Deny' ? 'Deny' : 'Allow',
  };
}

export function renderReferer(m: RefererModel): string {
  return [
    '<RefererConfiguration>',
    `  <Status>${m.status}</Status>`,
    `  <RefererType>${m.type}</RefererType>`,
    '  <DomainList>',
    ...m.domains.map((d) => `    <Domain>${esc(d)}</Domain>`),
    '  </DomainList>',
    `  <EmptyReferConfiguration>${m.emptyReferer}</EmptyReferConfiguration>`,
    '</RefererConfiguration>',
  ].join('\n');
}

export function validateReferer(text: string): string | undefined {
  const m = parseReferer(text);
  if (!m) return 'The document is not a RefererConfiguration.';
  if (m.domains.length === 0) return 'Add at least one domain.';
  const bad = m.domains.findIndex((d) => !DOMAIN.test(d.trim()));
  if (bad >= 0) return `Domain ${bad + 1} ("${m.domains[bad]}") is not a domain: example.com, *.example.com[:port].`;
  return undefined;
}

export const refererForm: ConfigForm = {
  validate: validateReferer,
  render: ({ text, onChange, readOnly }) => {
    const m = parseReferer(text);
    if (!m) return <Unreadable what="XML" />;
    const write = (patch: Partial<RefererModel>) => onChange(renderReferer({ ...m, ...patch }));
    return (
      <Stack gap="sm" data-testid="referer-form">
        <Switch
          label="Hotlink protection on"
          checked={m.status === 'Enabled'}
          disabled={readOnly}
          onChange={(e) => write({ status: e.currentTarget.checked ? 'Enabled' : 'Disabled' })}
        />
        <Radio.Group
          label="List type"
          value={m.type}
          onChange={(v) => write({ type: v as RefererModel['type'] })}
          name="referer-type"
        >
          <Group mt={4}>
            <Radio value="White-List" label="Allowlist: only these sites" disabled={readOnly} />
            <Radio value="Black-List" label="Blocklist: every site but these" disabled={readOnly} />
          </Group>
        </Radio.Group>
        <Fieldset legend="Domains" disabled={readOnly}>
          <Stack gap={6}>
            {m.domains.map((d, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a domain row is its position
              <Group key={i} gap="xs" align="start" wrap="nowrap" data-testid="referer-domain">
                <TextInput
                  aria-label={`Domain ${i + 1}`}
                  placeholder="*.example.com"
                  value={d}
                  onChange={(e) => write({ domains: m.domains.map((x, j) => (j === i ? e.currentTarget.value : x)) })}
                  error={d.trim() !== '' && !DOMAIN.test(d.trim()) ? 'Not a domain' : undefined}
                  style={{ flex: 1 }}
                />
                {!readOnly && (
                  <Button
                    variant="subtle"
                    color="red"
                    onClick={() => write({ domains: m.domains.filter((_, j) => j !== i) })}
                    aria-label={`Remove domain ${i + 1}`}
                  >
                    Remove
                  </Button>
                )}
              </Group>
            ))}
            {!readOnly && (
              <Button
                variant="light"
                size="xs"
                style={{ alignSelf: 'flex-start' }}
                onClick={() => write({ domains: [...m.domains, ''] })}
              >
                Add domain
              </Button>
            )}
          </Stack>
        </Fieldset>
        <Radio.Group
          label="Requests without a Referer"
          value={m.emptyReferer}
          onChange={(v) => write({ emptyReferer: v as RefererModel['emptyReferer'] })}
          name="referer-empty"
        >
          <Group mt={4}>
            <Radio value="Allow" label="Allow" disabled={readOnly} />
            <Radio value="Deny" label="Deny" disabled={readOnly} />
          </Group>
        </Radio.Group>
      </Stack>
    );
  },
};

// ---------------------------------------------------------------- Object lock default retention

export interface ObjectLockModel {
  retention?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; period: number | ''; unit: 'Days' | 'Years' };
}

export function parseObjectLock(text: string): ObjectLockModel | undefined {
  const el = parseXml(text, 'ObjectLockConfiguration');
  if (!el) return undefined;
  const rule = el.getElementsByTagName('DefaultRetention')[0];
  if (!rule) return {};
  const years = child(rule, 'Years');
  const days = child(rule, 'Days');
  const raw = years ?? days ?? '';
  return {
    retention: {
      mode: child(rule, 'Mode') === 'COMPLIANCE' ? 'COMPLIANCE' : 'GOVERNANCE',
      period: raw === '' || Number.isNaN(Number(raw)) ? '' : Number(raw),
      unit: years !== undefined ? 'Years' : 'Days',
    },
  };
}

export function renderObjectLock(m: ObjectLockModel): string {
  const lines = ['<ObjectLockConfiguration>', '  <ObjectLockEnabled>Enabled</ObjectLockEnabled>'];
  if (m.retention) {
    const r = m.retention;
    lines.push(
      '  <Rule>',
      '    <DefaultRetention>',
      `      <Mode>${r.mode}</Mode>`,
      `      <${r.unit}>${r.period}</${r.unit}>`,
      '    </DefaultRetention>',
      '  </Rule>',
    );
  }
  lines.push('</ObjectLockConfiguration>');
  return lines.join('\n');
}

export function validateObjectLock(text: string): string | undefined {
  const m = parseObjectLock(text);
  if (!m) return 'The document is not an ObjectLockConfiguration.';
  const r = m.retention;
  if (!r) return undefined;
  const max = r.unit === 'Days' ? 36500 : 100;
  if (r.period === '' || !Number.isInteger(r.period) || r.period < 1 || r.period > max) {
    return `The retention period is a whole number of ${r.unit.toLowerCase()} from 1 to ${max}.`;
  }
  return undefined;
}

export const objectLockForm: ConfigForm = {
  validate: validateObjectLock,
  render: ({ text, onChange, readOnly }) => {
    const m = parseObjectLock(text);
    if (!m) return <Unreadable what="XML" />;
    const write = (next: ObjectLockModel) => onChange(renderObjectLock(next));
    const r = m.retention;
    return (
      <Stack gap="sm" data-testid="object-lock-form">
        <Text size="sm">Object lock is enabled on this bucket (it cannot be turned off).</Text>
        <Switch
          label="Default retention for new object versions"
          checked={r !== undefined}
          disabled={readOnly}
          onChange={(e) =>
            write(e.currentTarget.checked ? { retention: { mode: 'GOVERNANCE', period: 30, unit: 'Days' } } : {})
          }
        />
        {r && (
          <Fieldset legend="Default retention" disabled={readOnly}>
            <Stack gap="xs">
              <Radio.Group
                label="Mode"
                value={r.mode}
                onChange={(v) => write({ retention: { ...r, mode: v as 'GOVERNANCE' | 'COMPLIANCE' } })}
                name="lock-mode"
              >
                <Stack gap={6} mt={4}>
                  <Radio
                    value="GOVERNANCE"
                    label="Governance"
                    description="Users allowed BypassGovernanceRetention may still delete or shorten it."
                  />
                  <Radio
                    value="COMPLIANCE"
                    label="Compliance"
                    description="No one, the root included, may delete a version or shorten its retention."
                  />
                </Stack>
              </Radio.Group>
              <Group align="start">
                <NumberInput
                  label="Retention period"
                  min={1}
                  max={r.unit === 'Days' ? 36500 : 100}
                  allowDecimal={false}
                  value={r.period}
                  onChange={(v) => write({ retention: { ...r, period: v === '' ? '' : Number(v) } })}
                  error={validateObjectLock(text)}
                  w={200}
                />
                <Select
                  label="Unit"
                  data={['Days', 'Years']}
                  value={r.unit}
                  allowDeselect={false}
                  onChange={(v) => write({ retention: { ...r, unit: (v ?? 'Days') as 'Days' | 'Years' } })}
                  w={120}
                />
              </Group>
            </Stack>
          </Fieldset>
        )}
      </Stack>
    );
  },
};
