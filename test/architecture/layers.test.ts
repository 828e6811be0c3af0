import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

/**
 * The server's layers, top to bottom (docs/ARCHITECTURE.md, "Server layers"). A module may import
 * its own folder and any folder of a LOWER layer; never a higher one, nor a sibling in its own layer.
 * Each entry is a folder of packages/server/src, or a file at its top.
 */
const SERVER_LAYERS: string[][] = [
  ['index.ts'],
  ['server.ts', 'admin-client.ts', 'migrate.ts'],
  ['http', 'workers', 'tls-files.ts'],
  ['api'],
  ['http-kit'],
  ['codecs'],
  ['accounts'],
  ['identity.ts'],
  ['auth', 'engine'],
  ['authz', 'stores'],
  ['config.ts', 'data-dir.ts'],
  ['notify-config.ts', 'config-file.ts'],
];

const PACKAGES = ['protocol', 'native', 'sdk', 'server', 'cli', 'console'];

const srcOf = (pkg: string) => fileURLToPath(new URL(`../../packages/${pkg}/src/`, import.meta.url));

/** Every module's imports, type-only imports included (a type cycle is still a tangle to read). */
async function graphOf(pkg: string) {
  return madge(srcOf(pkg), {
    fileExtensions: ['ts', 'tsx'],
    excludeRegExp: [/\.test\.tsx?$/, /\.suite\.ts$/],
    detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
  });
}

/** The import edges that go up the layer order or sideways between siblings. */
function upwardImports(graph: Record<string, string[]>, layers: string[][]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((names, i) => {
    for (const name of names) rank.set(name, i);
  });
  const unitOf = (file: string) => file.split('/')[0]!;
  const wrong: string[] = [];
  for (const [file, deps] of Object.entries(graph)) {
    const from = unitOf(file);
    for (const dep of deps) {
      const to = unitOf(dep);
      if (from === to) continue;
      const a = rank.get(from);
      const b = rank.get(to);
      if (a === undefined || b === undefined) wrong.push(`${file} -> ${dep} (not in the layer list)`);
      else if (b <= a) wrong.push(`${file} -> ${dep}`);
    }
  }
  return wrong;
}

describe('architecture', () => {
  for (const pkg of PACKAGES) {
    it(`packages/${pkg} has no import cycle`, async () => {
      const graph = await graphOf(pkg);
      expect(graph.circular()).toEqual([]);
      // A module madge could not resolve would be missing from the graph, hiding its imports.
      expect(graph.warnings().skipped.filter((f: string) => f.startsWith('.'))).toEqual([]);
    });
  }

  it('packages/server imports only downward, per the layer order', async () => {
    const graph = await graphOf('server');
    const modules = graph.obj() as Record<string, string[]>;
    expect(Object.keys(modules).length).toBeGreaterThan(50);
    expect(upwardImports(modules, SERVER_LAYERS)).toEqual([]);
  });

  it('the check catches an upward import and a sibling import', () => {
    const graph = {
      'engine/objects.ts': ['api/routes.ts', 'engine/names.ts', 'stores/types.ts'],
      'auth/common.ts': ['engine/objects.ts'],
      'api/routes.ts': ['http-kit/respond.ts'],
    };
    expect(upwardImports(graph, SERVER_LAYERS)).toEqual([
      'engine/objects.ts -> api/routes.ts',
      'auth/common.ts -> engine/objects.ts',
    ]);
  });
});
