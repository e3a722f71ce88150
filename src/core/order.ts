/**
 * Names in code-unit order (the order `Array.prototype.sort` gives). Not `localeCompare`: service names are
 * identifiers, not prose, and the first `localeCompare` maps ICU's collation data into the process (~3 MiB
 * of RSS in a supervisor that lives for days).
 */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
