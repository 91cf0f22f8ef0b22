// What a built file imports, by package: the build and the tarball test both check it.

/** `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')` (also in types), `require('x')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/** The package a specifier names: `@trpc/server/x` → `@trpc/server`; relative ones stay as they are. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** The packages (and relative paths) a JavaScript or declaration file's text imports. */
export function importedPackages(text) {
  return [...new Set([...text.matchAll(SPECIFIER)].map((match) => packageOf(match[2] ?? '')))];
}
