import { expect, it } from 'vitest';
import { lineOfServerMessage, statementLine } from './statement-line.js';

const DOC = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'a {[ "quoted" ]}', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] },
      { Effect: 'Maybe', Action: ['s3:PutObject'], Resource: [{ nested: [1, 2] }] },
    ],
  },
  null,
  2,
);

it("finds each statement's line, skipping brackets inside strings and nested values", () => {
  const lines = DOC.split('\n');
  expect(lines[statementLine(DOC, 1)! - 1]?.trim()).toBe('{');
  expect(lines[statementLine(DOC, 2)! - 1]?.trim()).toBe('{');
  expect(lines[statementLine(DOC, 2)!]).toContain('"Effect": "Maybe"');
  expect(statementLine(DOC, 3)).toBeUndefined();
  expect(statementLine('{"Version":"2012-10-17"}', 1)).toBeUndefined();
});

it("reads the statement number from the server's MalformedPolicy message", () => {
  expect(lineOfServerMessage(DOC, 'Statement 2: Effect must be Allow or Deny.')).toBe(statementLine(DOC, 2));
  expect(lineOfServerMessage(DOC, 'The policy is not valid JSON.')).toBeUndefined();
});
