/** The package a specifier names: `@trpc/server/x` → `@trpc/server`; relative ones stay as they are. */
export function packageOf(specifier: string): string;
/** The packages (and relative paths) a JavaScript or declaration file's text imports. */
export function importedPackages(text: string): string[];
