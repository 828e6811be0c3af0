/**
 * The line of a policy document's `n`th statement (1-based), for showing a server message such as
 * "Statement 2: Effect must be Allow or Deny." at its place. Scans the text itself (strings skipped), since
 * JSON.parse keeps no positions; undefined when the document has no such statement.
 */
export function statementLine(text: string, n: number): number | undefined {
  const key = /"statement"\s*:\s*\[/i.exec(text);
  if (!key) return undefined;
  let depth = 0;
  let seen = 0;
  let inString = false;
  for (let i = key.index + key[0].length; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0 && ++seen === n) return text.slice(0, i).split('\n').length;
      depth++;
    } else if (c === '}' || c === ']') {
      if (depth === 0) return undefined;
      depth--;
    }
  }
  return undefined;
}

/** "Statement 2: …" → the line of statement 2 in `text`. */
export function lineOfServerMessage(text: string, message: string): number | undefined {
  const n = /\bStatement (\d+)\b/.exec(message)?.[1];
  return n === undefined ? undefined : statementLine(text, Number(n));
}
